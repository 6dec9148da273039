/**
 * The status-to-outcome table: what any response (status 100-599, any headers, any body) means for a token
 * lookup, as plain tagged objects. An Effect client turns each into its error class; the success carries the
 * parsed JSON for the caller's schema to decode.
 *
 * @since 0.1.0
 */
import type { Body } from "./Body.js"
import { type HeaderEntries, type HeaderLookup, responseHeadersOf } from "./Headers.js"
import { parseRetryAfterMillis } from "./RetryAfter.js"
import { excerpt, type Scrub } from "./Scrub.js"

/**
 * What {@link outcomeOf} needs besides the response.
 *
 * @category models
 * @since 0.1.0
 */
export interface OutcomeContext {
  readonly maxBodyBytes: number
  readonly scrub: Scrub
}

/**
 * The meaning of one response. Every text a server sent is scrubbed of the key and bounded; `requestId` is
 * the server's `X-Request-Id`, `undefined` when absent or empty. Every outcome of an HTTP answer but `Success`
 * carries `headers`: the response's headers by lowercase name, bounded and with every value that could hold
 * the key redacted (see `responseHeadersOf`).
 *
 * - `Success`: a 2xx with a JSON body; `json` is the parsed value, still to be decoded.
 * - `ValidationFailed`: a 422; `json` is the parsed body (`undefined` when it is not JSON), for the caller to
 *   decode its `detail`. Like `Success`'s, it is the server's value, not scrubbed: scrub what you keep.
 * - `RateLimited` (429) and `ServerError` (5xx) carry the delay the server asked for, in milliseconds.
 * - `MalformedResponse`: a 2xx whose body is over the cap, not JSON or empty; `path` is `""`.
 * - `TransportError`: a 2xx whose body broke off mid-way.
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Success"; readonly status: number; readonly json: unknown }
  | {
    readonly _tag: "Unauthorized"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
  }
  | {
    readonly _tag: "Forbidden"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
  }
  | {
    readonly _tag: "TokenNotFound"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
  }
  | {
    readonly _tag: "ValidationFailed"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
    readonly json: unknown
    readonly bodyExcerpt: string
  }
  | {
    readonly _tag: "RateLimited"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
    readonly retryAfterMillis: number | undefined
  }
  | {
    readonly _tag: "ServerError"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
    readonly retryAfterMillis: number | undefined
  }
  | {
    readonly _tag: "UnexpectedStatus"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
    readonly bodyExcerpt: string
  }
  | {
    readonly _tag: "MalformedResponse"
    readonly status: number
    readonly requestId: string | undefined
    readonly headers: ResponseHeaders
    readonly path: string
    readonly issue: string
  }
  | { readonly _tag: "TransportError"; readonly reason: string }

/**
 * A response's headers as an error carries them: lowercase names, bounded, credentials redacted.
 *
 * @category models
 * @since 0.1.0
 */
export type ResponseHeaders = Readonly<Record<string, string>>

/**
 * The server's `X-Request-Id`, scrubbed and bounded, or `undefined`. Read only for an error: a success has
 * no use for it.
 *
 * @category headers
 * @since 0.1.0
 */
export const requestIdOf = (header: HeaderLookup, scrub: Scrub): string | undefined => {
  const value = header("x-request-id")
  return value === undefined || value.length === 0 ? undefined : excerpt(scrub, value, 128)
}

/** The parsed value, or `undefined` when `text` is not JSON (which JSON itself can never yield). */
const parseJsonOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const json = /json/i

const success = (
  status: number,
  header: HeaderLookup,
  body: Body,
  ctx: OutcomeContext,
  entries: HeaderEntries | undefined
): Outcome => {
  if (body.broken !== undefined) {
    return {
      _tag: "TransportError",
      reason: excerpt(ctx.scrub, `the connection broke while reading the body: ${body.broken}`)
    }
  }
  if (body.truncated) {
    return malformed(status, header, entries, ctx, `the body is larger than the ${ctx.maxBodyBytes}-byte cap`)
  }
  const contentType = header("content-type")
  if (contentType !== undefined && !json.test(contentType)) {
    return malformed(
      status,
      header,
      entries,
      ctx,
      `expected application/json, got ${contentType}: ${JSON.stringify(body.text.slice(0, 120))}`
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body.text)
  } catch (e) {
    // Only a body that failed to parse is checked for emptiness: a valid one never pays for the trim.
    const issue = body.text.trim().length === 0
      ? "the body is empty"
      : `invalid JSON (${e instanceof Error ? e.message : String(e)})`
    return malformed(status, header, entries, ctx, issue)
  }
  return { _tag: "Success", status, json: parsed }
}

const malformed = (
  status: number,
  header: HeaderLookup,
  entries: HeaderEntries | undefined,
  ctx: OutcomeContext,
  issue: string
): Outcome => ({
  _tag: "MalformedResponse",
  status,
  requestId: requestIdOf(header, ctx.scrub),
  headers: responseHeadersOf(entries, ctx.scrub),
  path: "",
  issue: excerpt(ctx.scrub, issue)
})

/**
 * Maps any response to exactly one {@link Outcome}: total over statuses 100-599 and over every body.
 *
 * **Details**
 *
 * - 2xx: `Success` with the parsed JSON, or `MalformedResponse` / `TransportError` for a body that cannot
 *   be one (over the cap, broken, a non-JSON `Content-Type`, empty, invalid JSON).
 * - 401, 403, 404, 422: their own outcomes.
 * - 429 and 5xx: `RateLimited` / `ServerError` with the server's delay; `nowMillis` is read only then.
 * - Anything else (1xx, 3xx, other 4xx): `UnexpectedStatus` with a body excerpt. Redirects are never followed.
 * - `entries`, every header of the response, is read only for an error outcome, into its `headers`; without
 *   it, `headers` is empty.
 *
 * @category interpreting
 * @since 0.1.0
 */
export const outcomeOf = (
  status: number,
  header: HeaderLookup,
  body: Body,
  ctx: OutcomeContext,
  nowMillis: () => number,
  entries?: HeaderEntries
): Outcome => {
  if (status >= 200 && status < 300) return success(status, header, body, ctx, entries)
  const requestId = requestIdOf(header, ctx.scrub)
  const headers = responseHeadersOf(entries, ctx.scrub)
  switch (status) {
    case 401:
      return { _tag: "Unauthorized", status, requestId, headers }
    case 403:
      return { _tag: "Forbidden", status, requestId, headers }
    case 404:
      return { _tag: "TokenNotFound", status, requestId, headers }
    case 422: {
      return {
        _tag: "ValidationFailed",
        status,
        requestId,
        headers,
        json: parseJsonOrUndefined(body.text),
        bodyExcerpt: excerpt(ctx.scrub, body.text)
      }
    }
  }
  if (status === 429 || status >= 500) {
    const retryAfterMillis = parseRetryAfterMillis(header, nowMillis())
    return status === 429
      ? { _tag: "RateLimited", status, requestId, headers, retryAfterMillis }
      : { _tag: "ServerError", status, requestId, headers, retryAfterMillis }
  }
  return { _tag: "UnexpectedStatus", status, requestId, headers, bodyExcerpt: excerpt(ctx.scrub, body.text) }
}
