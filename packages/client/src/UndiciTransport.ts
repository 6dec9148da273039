/**
 * The undici transport: an `HttpClient` for `ApiTokens` with a lean path for its one request.
 *
 * Import it from `@deepset-tokens/client/UndiciTransport` (Node only; it needs `@effect/platform-node`).
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as Undici from "@effect/platform-node/Undici"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { bodyOf, brokenWith, declaredLength, describeError, tooLarge } from "./internal/interpret.js"
import type { LeanGet, LeanRequest, LeanResponse } from "./internal/lean.js"
import { withLeanGet } from "./internal/lean.js"

class Cancelled extends Error {
  constructor() {
    super("the request was cancelled")
  }
}

/**
 * undici's own handler interface (what `undici.request` uses inside): the response goes straight into a
 * buffer, without an `AbortSignal`, a readable stream or a promise per request.
 */
class GetHandler implements Undici.Dispatcher.DispatchHandler {
  private abortRequest: ((reason: Error) => void) | undefined = undefined
  private cancelled = false
  private done = false
  private status = 0
  private headers: Record<string, string> | undefined = undefined
  private chunks: Array<Buffer> = []
  private size = 0

  constructor(
    private readonly max: number,
    private readonly onResponse: (response: LeanResponse) => void,
    private readonly onFailure: (cause: unknown) => void
  ) {}

  readonly cancel = () => {
    if (this.cancelled) return
    this.cancelled = true
    this.done = true
    this.abortRequest?.(new Cancelled())
  }

  onConnect(abort: (reason?: Error) => void) {
    // Cancelled while queued for a connection: abort as soon as undici hands it one.
    if (this.cancelled) abort(new Cancelled())
    else this.abortRequest = abort
  }

  onHeaders(statusCode: number, rawHeaders: Array<Buffer | string> | null, _resume: () => void): boolean {
    if (this.done) return false
    // An informational answer (103 Early Hints) comes before the real one: not the response.
    if (statusCode < 200) return true
    this.status = statusCode
    const headers: Record<string, string> = Object.create(null)
    if (rawHeaders !== null) {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i]!.toString("latin1").toLowerCase()
        const value = rawHeaders[i + 1]!.toString("latin1")
        const seen = headers[name]
        headers[name] = seen === undefined ? value : `${seen}, ${value}`
      }
    }
    this.headers = headers
    // undici does not decode a Content-Encoding, so the Content-Length counts exactly the bytes to come.
    const declared = declaredLength(headers["content-length"])
    if (declared !== undefined && declared > this.max) {
      this.respond(tooLarge)
      this.abortRequest?.(new Cancelled())
      return false
    }
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false
    if (this.size + chunk.length > this.max) {
      this.respond(tooLarge)
      this.abortRequest?.(new Cancelled())
      return false
    }
    this.size += chunk.length
    this.chunks.push(chunk)
    return true
  }

  onComplete() {
    if (this.done) return
    const chunks = this.chunks
    const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, this.size).toString("utf8")
    // Drop a byte-order mark, as fetch's and undici's own `text()` do (UTF-8 decode).
    this.respond(bodyOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text))
  }

  onError(error: Error) {
    if (this.done) return
    // After the headers, the response exists and its body broke; before them, there is no response.
    if (this.headers !== undefined) return this.respond(brokenWith(describeError(error)))
    this.done = true
    this.onFailure(error)
  }

  private respond(body: LeanResponse["body"]) {
    this.done = true
    this.chunks = []
    const headers = this.headers!
    this.onResponse({ status: this.status, header: (name) => headers[name], body })
  }
}

const makeGet = (dispatcher: Undici.Dispatcher): LeanGet => (request: LeanRequest, onResponse, onError) => {
  const handler = new GetHandler(request.maxBodyBytes, onResponse, onError)
  // `maxRedirections: 0` also switches off a redirect interceptor the caller composed into the dispatcher:
  // the key must never follow a Location to another origin.
  const options = {
    origin: request.origin,
    path: request.path,
    method: "GET" as const,
    headers: request.headers,
    maxRedirections: 0
  }
  try {
    dispatcher.dispatch(options, handler)
  } catch (error) {
    // A closed or destroyed dispatcher throws instead of calling onError.
    handler.onError(error instanceof Error ? error : new Error(String(error)))
  }
  return handler.cancel
}

/**
 * An `HttpClient` on the given undici dispatcher. For any request it is `NodeHttpClient.makeUndici`;
 * `ApiTokens` built on it sends its GET with one `dispatcher.dispatch` and a handler that buffers the body
 * under the cap (refusing at once a `Content-Length` over it), and enforces the attempt timeout with one
 * timer that aborts the request.
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
