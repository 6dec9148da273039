/**
 * The `deepset-tokens` CLI as a library: its commands, failure mapping and rendering.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * @since 0.1.0
 */
export * as Check from "./Check.js"

/**
 * @since 0.1.0
 */
export * as CheckRules from "./CheckRules.js"

/**
 * @since 0.1.0
 */
export * as Failure from "./Failure.js"

/**
 * @since 0.1.0
 */
export * as Get from "./Get.js"

/**
 * @since 0.1.0
 */
export * as GetArgs from "./GetArgs.js"

/**
 * @since 0.1.0
 */
export * as NodeHttp from "./NodeHttp.js"

/**
 * @since 0.1.0
 */
export * as Render from "./Render.js"

/**
 * @since 0.1.0
 */
export * as ProxyEnv from "./ProxyEnv.js"

/**
 * @since 0.1.0
 */
export * as ProxyTunnel from "./ProxyTunnel.js"
