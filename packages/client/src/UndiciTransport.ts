/**
 * The undici transport: an `HttpClient` for `ApiTokens` with a lean path for its one request.
 *
 * Import it from `@deepset-tokens/client/UndiciTransport` (Node only; it needs `@effect/platform-node`).
 *
 * @since 0.1.0
 */
import { makeUndiciGet } from "@deepset-tokens/wire/UndiciGet"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as Undici from "@effect/platform-node/Undici"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { withLeanGet } from "./internal/lean.js"

/**
 * An `HttpClient` on the given undici dispatcher. For any request it is `NodeHttpClient.makeUndici`;
 * `ApiTokens` built on it sends its GET with one `dispatcher.dispatch` and a handler that buffers the body
 * under the cap (refusing at once a `Content-Length` over it), and enforces the attempt timeout with one
 * timer that aborts the request.
 *
 * **Gotchas**
 *
 * A client derived from this one on the request side (`HttpClient.mapRequest`, `mapRequestEffect`,
 * `mapRequestInput`, `mapRequestInputEffect`, `tapRequest`) keeps the lean path: the mapped request is sent on
 * it. A client derived on the response side (`HttpClient.tap`, `transformResponse`, ...) goes through the
 * platform pipeline, where the customization applies, at a few times the per-call cost. See "Customizing the
 * client" in the README.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  withLeanGet(NodeHttpClient.makeUndici(dispatcher), makeUndiciGet(dispatcher))

/**
 * The transport on a `NodeHttpClient.Dispatcher` you provide, for example a bounded `undici.Agent`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWithoutDispatcher: Layer.Layer<HttpClient.HttpClient, never, NodeHttpClient.Dispatcher> = Layer
  .effect(HttpClient.HttpClient, Effect.map(NodeHttpClient.Dispatcher, make))

/**
 * The transport on its own undici `Agent`, closed with the layer.
 *
 * @example
 * ```ts
 * import { ApiTokens } from "@deepset-tokens/client"
 * import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
 * import { Layer } from "effect"
 *
 * const live = ApiTokens.layerConfig().pipe(Layer.provide(UndiciTransport.layer))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.provide(
  layerWithoutDispatcher,
  NodeHttpClient.dispatcherLayer
)
