/**
 * An Effect client for the deepset AI Platform API-token resource.
 *
 * The undici transport is a separate entry, `@deepset-tokens/client/UndiciTransport`, so that fetch users
 * do not bundle undici.
 *
 * @since 0.1.0
 */
export { ApiTokens } from "./ApiTokens.js"

/**
 * @since 0.1.0
 */
export { ApiTokensCache } from "./ApiTokensCache.js"

/**
 * @since 0.1.0
 */
export { ApiTokensConfigError } from "./ApiTokensConfigError.js"

/**
 * @since 0.1.0
 */
export * as FetchTransport from "./FetchTransport.js"

/**
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * The domain, re-exported so one import is enough.
 *
 * @since 0.1.0
 */
export * from "@deepset-tokens/domain"
