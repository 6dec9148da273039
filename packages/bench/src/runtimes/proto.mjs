// A prototype of the fetch transport's lean GET, measured next to today's `FetchTransport` in the runtime matrix.
// It plugs into the packed client as a user-level module would: an `HttpClient` carrying the lean-GET mark
// (`Symbol.for("@deepset-tokens/client/LeanGet")`), so `ApiTokens` takes its lean path with this `get`.
// Same contract as `LeanGet` in packages/client/src/internal/lean.ts: never follows redirects, never reads past
// the cap, aborts at any stage, calls exactly one of onResponse / onError.
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

const LeanGetId = Symbol.for("@deepset-tokens/client/LeanGet")
const noop = () => {}
const decoder = new TextDecoder()
// The wire core's Body: `broken` is the reason, or undefined for a body that arrived whole.
const bodyOf = (text) => ({ text, truncated: false, broken: undefined })
const tooLarge = { text: "", truncated: true, broken: undefined }
const brokenWith = (reason) => ({ text: "", truncated: false, broken: reason })
const describe = (e) => (e instanceof Error ? e.message : String(e))

const declaredLength = (value) => {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

const concat = (chunks, size) => {
  if (chunks.length === 1) return chunks[0]
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.length
  }
  return all
}

/**
 * The fetch half of the prototype. Differences from today's `makeGet`: a body whose length is declared
 * (within the cap) and not encoded is read with `text()`; any other is read with callbacks on `reader.read()`
 * (no async function, no extra promise per step); a declared length over the cap is refused at once.
 */
export const makeFetchGet = (fetchImpl, init) => (request, onResponse, onError) => {
  const controller = new AbortController()
  let started
  try {
    started = fetchImpl(request.origin + request.path, {
      ...init,
      method: "GET",
      // Not compressed, so the declared length is the body's length and text() can read it (a 419-byte
      // JSON body gains nothing from gzip). Where the header is forbidden (browsers) it is dropped, and an
      // encoded answer takes the reader loop below.
      headers: { ...request.headers, "accept-encoding": "identity" },
      signal: controller.signal,
      redirect: "manual"
    })
  } catch (error) {
    onError(error)
    return noop
  }
  started.then((response) => {
    const headers = response.headers
    const done = (body) =>
      onResponse({ status: response.status, header: (name) => headers.get(name) ?? undefined, body })
    const stream = response.body
    if (stream === null) return done(bodyOf(""))
    const max = request.maxBodyBytes
    const failed = (error) => done(brokenWith(describe(error)))
    // A declared length over the cap is refused at once. A declared length within it, with no
    // Content-Encoding, bounds the body (HTTP framing ends it there), so it is read whole with text().
    const declared = declaredLength(headers.get("content-length") ?? undefined)
    if (declared !== undefined && declared > max) {
      controller.abort()
      return done(tooLarge)
    }
    if (declared !== undefined && headers.get("content-encoding") === null) {
      return response.text().then((text) => done(bodyOf(text)), failed)
    }
    const reader = stream.getReader()
    const chunks = []
    let size = 0
    const step = (r) => {
      if (r.done) return done(bodyOf(decoder.decode(concat(chunks, size))))
      if (size + r.value.length > max) {
        reader.cancel().catch(noop)
        return done(tooLarge)
      }
      size += r.value.length
      chunks.push(r.value)
      reader.read().then(step, failed)
    }
    reader.read().then(step, failed)
  }, onError)
  return () => controller.abort()
}

// Node's fetch is undici; the dispatcher it sends on (its connection pool, or whatever a user installed with
// undici's `setGlobalDispatcher`, e.g. a proxy agent) is published under this global symbol once fetch is
// first used. Dispatching on it with undici's handler interface is what `UndiciTransport` does, with the same
// pool, proxy and limits fetch itself would use.
const globalDispatcher = Symbol.for("undici.globalDispatcher.1")

class Cancelled extends Error {
  constructor() {
    super("the request was cancelled")
  }
}

/** `UndiciTransport`'s handler (packages/client/src/UndiciTransport.ts), in plain JS. */
class GetHandler {
  constructor(max, onResponse, onFailure) {
    this.max = max
    this.onResponse = onResponse
    this.onFailure = onFailure
    this.abortRequest = undefined
    this.cancelled = false
    this.done = false
    this.status = 0
    this.headers = undefined
    this.chunks = []
    this.size = 0
    this.cancel = () => {
      if (this.cancelled) return
      this.cancelled = true
      this.done = true
      this.abortRequest?.(new Cancelled())
    }
  }
  onConnect(abort) {
    if (this.cancelled) abort(new Cancelled())
    else this.abortRequest = abort
  }
  onHeaders(statusCode, rawHeaders) {
    if (this.done) return false
    if (statusCode < 200) return true
    this.status = statusCode
    const headers = Object.create(null)
    if (rawHeaders !== null) {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i].toString("latin1").toLowerCase()
        const value = rawHeaders[i + 1].toString("latin1")
        const seen = headers[name]
        headers[name] = seen === undefined ? value : `${seen}, ${value}`
      }
    }
    this.headers = headers
    const declared = declaredLength(headers["content-length"])
    if (declared !== undefined && declared > this.max) {
      this.respond(tooLarge)
      this.abortRequest?.(new Cancelled())
      return false
    }
    return true
  }
  onData(chunk) {
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
    const text = chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks, this.size).toString("utf8")
    this.respond(bodyOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text))
  }
  onError(error) {
    if (this.done) return
    if (this.headers !== undefined) return this.respond(brokenWith(describe(error)))
    this.done = true
    this.onFailure(error)
  }
  respond(body) {
    this.done = true
    this.chunks = []
    const headers = this.headers
    this.onResponse({ status: this.status, header: (name) => headers[name], body })
  }
}

/**
 * The prototype `get`: on Node, with the platform's own fetch (no custom `Fetch` in context), the GET goes
 * straight to fetch's dispatcher; anywhere else (Bun, Deno, workers, browsers, a custom fetch), through fetch.
 */
export const makeGet = (fetchImpl, init) => {
  const viaFetch = makeFetchGet(fetchImpl, init)
  const direct = fetchImpl === globalThis.fetch && typeof process === "object" &&
    typeof process.versions?.node === "string" && !globalThis.Bun && !globalThis.Deno &&
    Object.keys(init).length === 0
  if (!direct) return viaFetch
  return (request, onResponse, onError) => {
    const dispatcher = globalThis[globalDispatcher]
    // Until the first fetch in the process, Node has not published its dispatcher: that request uses fetch.
    if (dispatcher === undefined) return viaFetch(request, onResponse, onError)
    const handler = new GetHandler(request.maxBodyBytes, onResponse, onError)
    try {
      dispatcher.dispatch({
        origin: request.origin,
        path: request.path,
        method: "GET",
        headers: request.headers,
        maxRedirections: 0
      }, handler)
    } catch (error) {
      handler.onError(error instanceof Error ? error : new Error(String(error)))
    }
    return handler.cancel
  }
}

/** Like `FetchTransport.layer`, with the prototype `get` on the lean path. */
export const layer = Layer.effect(
  HttpClient.HttpClient,
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const fetchImpl = Option.getOrElse(yield* Effect.serviceOption(FetchHttpClient.Fetch), () => globalThis.fetch)
    const init = Option.getOrElse(yield* Effect.serviceOption(FetchHttpClient.RequestInit), () => ({}))
    const marked = Object.create(client)
    Object.defineProperty(marked, LeanGetId, { value: makeGet(fetchImpl, init), enumerable: false })
    return marked
  })
).pipe(Layer.provide(FetchHttpClient.layer))
