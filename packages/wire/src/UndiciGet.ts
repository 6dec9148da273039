/**
 * The lean GET on an undici dispatcher, through undici's own handler interface (what `undici.request` uses
 * inside): the response goes straight into the body accumulator, without an `AbortSignal`, a readable
 * stream or a promise per request.
 *
 * Node only: import it from `@deepset-tokens/wire/UndiciGet`. The dispatcher is taken by its shape, so this
 * module loads no undici of its own; pass any `undici` `Dispatcher` (an `Agent`, a `Pool`, ...).
 *
 * @since 0.1.0
 */
import { BodyAccumulator, bodyOf, brokenWith, tooLarge } from "./Body.js"
import { describeError } from "./ErrorMessage.js"
import { declaredLength } from "./Headers.js"
import type { LeanGet, LeanRequest, LeanResponse } from "./LeanGet.js"

/**
 * The options {@link makeUndiciGet} dispatches with: a subset of undici's `Dispatcher.DispatchOptions`.
 *
 * @category models
 * @since 0.1.0
 */
export interface UndiciDispatchOptions {
  readonly origin: string
  readonly path: string
  readonly method: "GET"
  readonly headers: Readonly<Record<string, string>>
  readonly maxRedirections: 0
}

/**
 * The handler {@link makeUndiciGet} dispatches: undici's `Dispatcher.DispatchHandler` (legacy callbacks).
 *
 * @category models
 * @since 0.1.0
 */
export interface UndiciDispatchHandler {
  onConnect(abort: (reason?: Error) => void): void
  onHeaders(statusCode: number, rawHeaders: Array<Buffer | string> | null, resume: () => void): boolean
  onData(chunk: Buffer): boolean
  onComplete(): void
  onError(error: Error): void
}

/**
 * What {@link makeUndiciGet} needs of a dispatcher: undici's `Dispatcher.dispatch`.
 *
 * @category models
 * @since 0.1.0
 */
export interface UndiciDispatcher {
  dispatch(options: UndiciDispatchOptions, handler: UndiciDispatchHandler): boolean
}

/**
 * The request's headers with `accept-encoding: identity`, copied once per headers object: `ApiTokens` sends
 * the same one on every call.
 *
 * Without an `Accept-Encoding`, a server may encode as it likes (RFC 9110, 12.5.3), and undici does not
 * decode; asking for none keeps the declared length the body's length, so the cap holds against it.
 *
 * @internal
 */
export const identityHeaders = () => {
  let last: LeanRequest["headers"] | undefined
  let withIdentity: Readonly<Record<string, string>> = {}
  return (headers: LeanRequest["headers"]): Readonly<Record<string, string>> => {
    if (headers !== last) {
      withIdentity = { ...headers, "accept-encoding": "identity" }
      last = headers
    }
    return withIdentity
  }
}

class Cancelled extends Error {
  constructor() {
    super("the request was cancelled")
  }
}

/** One request's handler; it is its own body accumulator, which saves an object per request. */
class GetHandler extends BodyAccumulator implements UndiciDispatchHandler {
  private abortRequest: ((reason: Error) => void) | undefined = undefined
  private cancelled = false
  private done = false
  private status = 0
  private headers: Record<string, string> | undefined = undefined

  constructor(
    max: number,
    private readonly onResponse: (response: LeanResponse) => void,
    private readonly onFailure: (cause: unknown) => void
  ) {
    super(max)
  }

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
    if (declared !== undefined && declared > this.maxBytes) {
      this.respond(tooLarge)
      this.abortRequest?.(new Cancelled())
      return false
    }
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false
    if (!this.push(chunk)) {
      this.respond(tooLarge)
      this.abortRequest?.(new Cancelled())
      return false
    }
    return true
  }

  onComplete() {
    if (this.done) return
    this.respond(bodyOf(this.text()))
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
    this.clear()
    const headers = this.headers!
    this.onResponse({ status: this.status, header: (name) => headers[name], headers, body })
  }
}

/**
 * A {@link LeanGet} on `dispatcher`: one `dispatcher.dispatch` per request, with a handler that buffers the
 * body under the cap and refuses at once a `Content-Length` over it.
 *
 * **Details**
 *
 * `maxRedirections: 0` also switches off a redirect interceptor composed into the dispatcher: the key never
 * follows a `Location` to another origin. A closed or destroyed dispatcher, which throws instead of calling
 * back, is reported through `onError`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUndiciGet = (dispatcher: UndiciDispatcher): LeanGet => {
  const withIdentity = identityHeaders()
  return (request, onResponse, onError) => send(dispatcher, request, withIdentity(request.headers), onResponse, onError)
}

const send = (
  dispatcher: UndiciDispatcher,
  request: LeanRequest,
  headers: Readonly<Record<string, string>>,
  onResponse: (response: LeanResponse) => void,
  onError: (cause: unknown) => void
) => {
  const handler = new GetHandler(request.maxBodyBytes, onResponse, onError)
  const options: UndiciDispatchOptions = {
    origin: request.origin,
    path: request.path,
    method: "GET",
    headers,
    maxRedirections: 0
  }
  try {
    dispatcher.dispatch(options, handler)
  } catch (error) {
    handler.onError(error instanceof Error ? error : new Error(String(error)))
  }
  return handler.cancel
}
