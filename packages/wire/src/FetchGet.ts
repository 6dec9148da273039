/**
 * The lean GET on `fetch`: runs wherever `fetch` does (Node, Bun, Deno, workers, browsers).
 *
 * @since 0.1.0
 */
import { type Body, BodyAccumulator, bodyOf, brokenWith, tooLarge } from "./Body.js"
import { describeError } from "./ErrorMessage.js"
import { declaredLength, isIdentity } from "./Headers.js"
import type { LeanGet, LeanRequest, LeanResponse } from "./LeanGet.js"
import { identityHeaders, makeUndiciGet, type UndiciDispatcher } from "./UndiciGet.js"

const noop = () => {}

/**
 * Reads any body under the cap with callbacks on one reader (no async function, no promise of ours per
 * step), counting the bytes fetch hands over. fetch decodes a `Content-Encoding`, so the count is of decoded
 * bytes: a 16 kB gzip bomb stops at the cap, not at 16 MB.
 */
const readChunks = (stream: ReadableStream<Uint8Array>, max: number, done: (body: Body) => void) => {
  const reader = stream.getReader()
  const body = new BodyAccumulator(max)
  const failed = (error: unknown) => done(brokenWith(describeError(error)))
  const step = (result: ReadableStreamReadResult<Uint8Array>): void => {
    if (result.done) return done(bodyOf(body.text()))
    if (!body.push(result.value)) {
      reader.cancel().catch(noop)
      return done(tooLarge)
    }
    reader.read().then(step, failed)
  }
  reader.read().then(step, failed)
}

/**
 * The GET through `fetch`.
 *
 * `framed`: `fetchImpl` is the platform's own fetch, whose response bodies end where HTTP framing ends them,
 * so a declared `Content-Length` bounds an unencoded body. A fetch of your own may answer with a `Response`
 * it built, whose header promises nothing; its bodies are always counted.
 */
const viaFetch = (
  fetchImpl: typeof globalThis.fetch,
  init: RequestInit,
  framed: boolean,
  withInit: (headers: LeanRequest["headers"]) => LeanRequest["headers"]
): LeanGet => {
  const withIdentity = identityHeaders()
  return (request, onResponse, onError) => {
    const controller = new AbortController()
    let started: Promise<Response>
    try {
      started = fetchImpl(request.origin + request.path, {
        ...init,
        method: "GET",
        // Asking for no compression makes the declared length the body's length, so text() can take it in one
        // step (a token's few hundred bytes of JSON gain nothing from gzip). Browsers forbid this header and
        // drop it silently; an encoded answer then takes the counting reader.
        headers: withIdentity(withInit(request.headers)),
        signal: controller.signal,
        redirect: "manual"
      })
    } catch (error) {
      onError(error)
      return noop
    }
    started.then((response) => {
      const headers = response.headers
      const done = (body: Body) => {
        const answer: LeanResponse = {
          status: response.status,
          header: (name) => headers.get(name) ?? undefined,
          // Every header, read only to describe an error (a success never touches it).
          headers,
          body
        }
        onResponse(answer)
      }
      const stream = response.body
      if (stream === null) return done(bodyOf(""))
      const max = request.maxBodyBytes
      const declared = declaredLength(headers.get("content-length"))
      // Without a Content-Encoding the declared length is what fetch will hand over: over the cap, the body
      // is refused without reading a byte of it, and the connection closed.
      if (declared !== undefined && isIdentity(headers.get("content-encoding"))) {
        if (declared > max) {
          controller.abort()
          return done(tooLarge)
        }
        // Within the cap and framed by HTTP, so bounded: one text() (which drops a leading BOM, as decodeText
        // does) instead of a reader loop, which costs ~200 µs per request on Deno.
        if (framed) {
          return response.text().then((text) => done(bodyOf(text)), (error) => done(brokenWith(describeError(error))))
        }
      }
      readChunks(stream, max, done)
    }, onError)
    return () => controller.abort()
  }
}

// Node publishes the dispatcher its fetch sends on (its connection pool, or the agent a user installed with
// undici's `setGlobalDispatcher`, a proxy agent say) under this global symbol, once fetch or undici has run.
const globalDispatcherKey = Symbol.for("undici.globalDispatcher.1")

// Node's own fetch loads Node's bundled undici on first call; its source says so on Node 20, 22 and 24. A
// fetch replaced by a mock (msw, nock), a polyfill or a wrapper does not, and is used as it is.
const nodeFetchMark = "internal/deps/undici/undici"

const isNode = (): boolean => {
  const process = (globalThis as { readonly process?: { readonly versions?: { readonly node?: unknown } } }).process
  // Bun and Deno report a Node version too, but their fetch does not send on that dispatcher.
  return typeof process?.versions?.node === "string" && !("Bun" in globalThis) && !("Deno" in globalThis)
}

const isNodeFetch = (fetchImpl: typeof globalThis.fetch): boolean => {
  if (!isNode() || typeof fetchImpl !== "function") return false
  try {
    return Function.prototype.toString.call(fetchImpl).includes(nodeFetchMark)
  } catch {
    return false
  }
}

const isDispatcher = (value: unknown): value is UndiciDispatcher =>
  typeof value === "object" && value !== null && typeof (value as { dispatch?: unknown }).dispatch === "function"

// The fields of a `RequestInit` the lean GET replaces with its own, and `dispatcher`, which it honours: with
// nothing else set, the request fetch would send is the one a direct dispatch sends.
const replaced = new Set(["method", "headers", "signal", "redirect", "dispatcher"])

/**
 * On Node's own fetch, the GET without fetch: one `dispatch` on the very dispatcher fetch would use (the one
 * in `init.dispatcher`, else the global one), with `UndiciGet`'s handler. Same pool, same proxy, same
 * limits; no WHATWG `Request`, `Headers`, stream or signal, which are most of what fetch costs on Node.
 * `undefined` where that is not exactly what fetch would do.
 */
const direct = (
  fetchImpl: typeof globalThis.fetch,
  init: RequestInit,
  fallback: LeanGet,
  withInit: (headers: LeanRequest["headers"]) => LeanRequest["headers"]
): LeanGet | undefined => {
  if (!isNodeFetch(fetchImpl)) return undefined
  if (!Object.keys(init).every((field) => replaced.has(field))) return undefined
  const own = (init as { readonly dispatcher?: unknown }).dispatcher
  if (own !== undefined) {
    if (!isDispatcher(own)) return undefined
    const send = makeUndiciGet(own)
    return (request, onResponse, onError) =>
      send({ ...request, headers: withInit(request.headers) }, onResponse, onError)
  }
  let dispatcher: unknown
  let get: LeanGet | undefined
  return (request, onResponse, onError) => {
    // Read per request: `setGlobalDispatcher` may replace it at any time, and fetch would follow.
    const current = (globalThis as Record<symbol, unknown>)[globalDispatcherKey]
    if (current !== dispatcher) {
      dispatcher = current
      get = isDispatcher(current) ? makeUndiciGet(current) : undefined
    }
    // Until fetch or undici first runs in the process there is no such dispatcher: fetch sends this one.
    return get === undefined
      ? fallback(request, onResponse, onError)
      : get({ ...request, headers: withInit(request.headers) }, onResponse, onError)
  }
}

/**
 * A {@link LeanGet} on `fetchImpl`, with `init` under every request.
 *
 * **Details**
 *
 * `method`, `headers`, `signal` and `redirect` are the request's own: 3xx answers are answers, never
 * followed, whatever `init` says, so the key cannot reach another origin. A `fetchImpl` that throws instead
 * of rejecting is reported through `onError` like a rejection.
 *
 * How the body is read, each under `maxBodyBytes`:
 * - On Node, with Node's own fetch and no `init` field that changes the request (a `dispatcher` is honoured),
 *   the GET is dispatched on the dispatcher fetch would use, with the handler of `UndiciGet`: the same
 *   connections, proxy and cap, without fetch's WHATWG objects. The first request of a process, before
 *   Node has published its dispatcher, goes through fetch.
 * - Elsewhere, through `fetchImpl`. A declared `Content-Length` over the cap with no `Content-Encoding` is
 *   refused at once. Within it, the platform's own fetch reads the body with one `text()`; any other body
 *   (chunked, encoded, or from a fetch of your own) is read chunk by chunk, counting decoded bytes.
 *
 * @example
 * ```ts
 * import { makeFetchGet } from "@deepset-tokens/wire"
 *
 * const get = makeFetchGet(globalThis.fetch, {})
 * const abort = get(
 *   { origin: "https://api.cloud.deepset.ai", path: "/api/v1/token/x", headers: {}, maxBodyBytes: 65536 },
 *   (response) => console.log(response.status),
 *   (cause) => console.error(cause)
 * )
 * abort()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeFetchGet = (fetchImpl: typeof globalThis.fetch, init: RequestInit): LeanGet => {
  let withInit: (headers: LeanRequest["headers"]) => LeanRequest["headers"]
  try {
    withInit = initHeaders(init.headers)
  } catch (error) {
    // Headers fetch itself would refuse (a name with a space, a value with a newline): every request fails
    // as fetch's would, through onError, instead of the layer throwing.
    return (_request, _onResponse, onError) => {
      onError(error)
      return noop
    }
  }
  const fetched = viaFetch(fetchImpl, init, fetchImpl === globalThis.fetch, withInit)
  return direct(fetchImpl, init, fetched, withInit) ?? fetched
}

const same = <A>(a: A): A => a

/**
 * The request's headers over `RequestInit.headers`, as the platform's `FetchHttpClient` sends them
 * (`Headers.merge(init, request)`: a name the request sets wins), except `Accept-Encoding`, which every lean
 * GET sets to `identity` (Node's direct dispatch does not decode a body). Computed once per headers object:
 * the lean paths hand the same one on every call.
 */
const initHeaders = (
  given: HeadersInit | undefined
): (headers: LeanRequest["headers"]) => LeanRequest["headers"] => {
  if (given === undefined) return same
  const base: Record<string, string> = {}
  // `new Headers` takes all three forms (a record, pairs, a Headers) and lowercases the names.
  new Headers(given).forEach((value, name) => {
    base[name] = value
  })
  if (Object.keys(base).length === 0) return same
  let last: LeanRequest["headers"] | undefined
  let merged: LeanRequest["headers"] = base
  return (headers) => {
    if (headers !== last) {
      merged = { ...base, ...headers }
      last = headers
    }
    return merged
  }
}
