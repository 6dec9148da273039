/**
 * The wire core of deepset-tokens, with no dependency on Effect: what any client of
 * `GET /api/v1/token/{id}` needs, as plain functions, callbacks and tagged objects. The Effect packages turn
 * its results into Effects, errors and `DateTime`s; a client on another Effect major can reuse it unchanged.
 *
 * Runs on any runtime with `fetch`. The Node-only pieces have their own entries:
 * `@deepset-tokens/wire/UndiciGet` and `@deepset-tokens/wire/SocketScript`.
 *
 * @since 0.1.0
 */
export * from "./BaseUrl.js"
export * from "./Body.js"
export * from "./Cors.js"
export * from "./ErrorMessage.js"
export * from "./FetchGet.js"
export * from "./Headers.js"
export * from "./IsoInstant.js"
export * from "./LeanGet.js"
export * from "./Outcome.js"
export * from "./RetryAfter.js"
export * from "./Scrub.js"
export * from "./TokenMetaShape.js"
