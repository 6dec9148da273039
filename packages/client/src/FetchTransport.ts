/**
 * The fetch transport: an `HttpClient` for `ApiTokens` with a lean path for its one request.
 *
 * @since 0.1.0
 */
import { makeFetchGet } from "@deepset-tokens/wire"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { withLeanGet } from "./internal/lean.js"

/**
 * `@effect/platform`'s `FetchHttpClient` for any request; `ApiTokens` built on it sends its GET with one
 * `fetch`, reads the body under the cap, and enforces the attempt timeout with one timer that aborts the
 * request.
 *
 * On Node, with Node's own fetch, the GET skips fetch's WHATWG objects: it is dispatched on the dispatcher
 * fetch itself would use (its pool, an agent installed with undici's `setGlobalDispatcher`, or the
 * `dispatcher` in your `RequestInit`), never following redirects. Elsewhere a body of declared length is
 * read with one `text()`, any other is counted chunk by chunk (decoded bytes, so a gzip bomb stops at the
 * cap). See `makeFetchGet` in `@deepset-tokens/wire`.
 *
 * The `FetchHttpClient.Fetch` and `FetchHttpClient.RequestInit` in context when the layer is built apply to
 * both paths; `redirect` is always `"manual"` on the lean one, and its `headers` go under the request's own
 * (the request's win, as on the platform's client) with `Accept-Encoding: identity`. A `Fetch` of your own (a
 * mock, a wrapper) is always called.
 *
 * **Gotchas**
 *
 * A client derived from this one on the request side (`HttpClient.mapRequest`, `mapRequestEffect`,
 * `mapRequestInput`, `mapRequestInputEffect`, `tapRequest`) keeps the lean path: the mapped request is sent on
 * it: a header that depends on the request is added there. A client derived on the
 * response side (`HttpClient.tap`, `transformResponse`, ...) goes through the platform pipeline, where the
 * customization applies, at a few times the per-call cost. See "Customizing the client" in the README.
 *
 * @example
 * ```ts
 * import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
 * import { Layer } from "effect"
 *
 * const live = ApiTokens.layerConfig().pipe(Layer.provide(FetchTransport.layer))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const fetchImpl = Option.getOrElse(yield* Effect.serviceOption(FetchHttpClient.Fetch), () => globalThis.fetch)
    const init = Option.getOrElse(yield* Effect.serviceOption(FetchHttpClient.RequestInit), () => ({}))
    return withLeanGet(client, makeFetchGet(fetchImpl, init))
  })
).pipe(Layer.provide(FetchHttpClient.layer))
