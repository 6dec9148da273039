/**
 * The undici transport: an `HttpClient` for `ApiTokens` with a lean path for its one request.
 *
 * Import it from `@deepset-tokens/client/UndiciTransport` (Node only; it needs `@effect/platform-node`).
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Undici from "@effect/platform-node/Undici"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Body, bodyOf, brokenWith, declaredLength, describeError, tooLarge } from "./internal/interpret.js"
import { type LeanGet, withLeanGet } from "./internal/lean.js"

const readBody = async (body: Undici.Dispatcher.ResponseData["body"], declared: number | undefined, max: number) => {
  // undici does not decode a Content-Encoding, so the Content-Length counts exactly the bytes that arrive.
  if (declared !== undefined) {
    if (declared > max) {
      body.destroy()
      return tooLarge
    }
    try {
      return bodyOf(await body.text())
    } catch (error) {
      return brokenWith(describeError(error))
    }
  }
  const chunks: Array<Buffer> = []
  let size = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size + chunk.length > max) {
        body.destroy()
        return tooLarge
      }
      size += chunk.length
      chunks.push(chunk)
    }
  } catch (error) {
    return brokenWith(describeError(error))
  }
  return bodyOf(Buffer.concat(chunks, size).toString("utf8"))
}

const makeGet = (dispatcher: Undici.Dispatcher): LeanGet => async (url, headers, maxBodyBytes, signal) => {
  // `maxRedirections: 0` also switches off a redirect interceptor the caller composed into the dispatcher:
  // the key must never follow a Location to another origin.
  const options = { dispatcher, method: "GET" as const, headers, signal, maxRedirections: 0 }
  const response = await Undici.request(url, options)
  const raw = response.headers
  const header = (name: string) => {
    const value = raw[name]
    return typeof value === "string" || value === undefined ? value : value.join(", ")
  }
  const body: Body = await readBody(response.body, declaredLength(header("content-length")), maxBodyBytes)
  return { status: response.statusCode, header, body }
}

/**
 * An `HttpClient` on the given undici dispatcher. For any request it is `NodeHttpClient.makeUndici`;
 * `ApiTokens` built on it sends its GET with one `undici.request`, reads the body in one piece after a
 * `Content-Length` check, and enforces the attempt timeout with one timer that aborts the request.
 *
 * **Gotchas**
 *
 * The lean path belongs to this exact client. A client derived from it (`HttpClient.mapRequest`,
 * `HttpClient.tapRequest`, ...) is used through the platform pipeline, so your customization applies;
 * it just costs more per call.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  withLeanGet(NodeHttpClient.makeUndici(dispatcher), makeGet(dispatcher))

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
