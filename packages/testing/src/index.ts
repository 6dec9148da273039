/**
 * Test doubles for `@deepset-tokens/client`: the in-memory `FakeDeepsetApi` with its socket-free
 * `HttpClient`, scripted faults, and Schema-derived arbitraries.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.js"

/**
 * @since 0.1.0
 */
export * as FakeDeepsetApi from "./FakeDeepsetApi.js"

/**
 * @since 0.1.0
 */
export * as Fault from "./Fault.js"

/**
 * @since 0.1.0
 */
export * as SpanRecorder from "./SpanRecorder.js"

/**
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.js"

/**
 * @since 0.1.0
 */
export * as FaultServer from "./FaultServer.js"

/**
 * @since 0.1.0
 */
export * as TestNow from "./TestNow.js"
