/**
 * The fetch transport: an `HttpClient` for `ApiTokens` with a lean path for its one request.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type Body, bodyOf, brokenWith, describeError, tooLarge } from "./internal/interpret.js"
import { type LeanGet, withLeanGet } from "./internal/lean.js"

const noop = () => {}

/**
 * Reads the body under the cap, counting the bytes fetch hands over. fetch decodes a `Content-Encoding`, so
 * the count is of decoded bytes (a 16 kB gzip bomb stops at the cap, not at 16 MB), and no header is read:
 * in Node's fetch each `headers.get` costs several µs.
 */
const readBody = async (response: Response, max: number): Promise<Body> => {
  if (response.body === null) return bodyOf("")
  const reader = response.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (size + value.length > max) {
        reader.cancel().catch(noop)
        return tooLarge
      }
      size += value.length
      chunks.push(value)
    }
  } catch (error) {
    return brokenWith(describeError(error))
  }
  if (chunks.length === 1) return bodyOf(decoder.decode(chunks[0]))
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.length
  }
  return bodyOf(decoder.decode(all))
}

const decoder = new TextDecoder()

const makeGet = (fetchImpl: typeof globalThis.fetch, init: RequestInit): LeanGet =>
(
  request,
  onResponse,
  onError
) => {
  const controller = new AbortController()
  let started: Promise<Response>
  try {
    // 3xx answers are errors, never followed, whatever `init` says: the key must not reach another origin.
    started = fetchImpl(request.origin + request.path, {
      ...init,
      method: "GET",
      headers: request.headers,
      signal: controller.signal,
      redirect: "manual"
    })
  } catch (error) {
    // A custom `Fetch` may throw instead of rejecting.
    onError(error)
    return noop
  }
  started.then(
    (response) =>
      readBody(response, request.maxBodyBytes).then((body) =>
        onResponse({ status: response.status, header: (name) => response.headers.get(name) ?? undefined, body })
      ),
    onError
  )
  return () => controller.abort()
}

/**
 * `@effect/platform`'s `FetchHttpClient` for any request; `ApiTokens` built on it sends its GET with one
 * `fetch`, reads the body under the cap counting the (decoded) bytes, and enforces the attempt timeout with
 * one timer that aborts the request.
 *
 * The `FetchHttpClient.Fetch` and `FetchHttpClient.RequestInit` in context when the layer is built apply to
 * both paths; `redirect` is always `"manual"` on the lean one.
 *
 * **Gotchas**
 *
 * The lean path belongs to this exact client. A client derived from it (`HttpClient.mapRequest`, ...) goes
 * through the platform pipeline, so your customization applies; it just costs more per call.
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
    return withLeanGet(client, makeGet(fetchImpl, init))
  })
).pipe(Layer.provide(FetchHttpClient.layer))
