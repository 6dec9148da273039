/**
 * The Effect side of reading a response: the platform body read, and the wire core's plain outcome turned
 * into a `TokenMeta` or the domain's errors. The status table itself is `outcomeOf` in the wire core.
 */
import type { TokenMeta } from "@deepset-tokens/domain"
import {
  type ApiTokenId,
  type ApiTokensError,
  decodeTokenMeta,
  Forbidden,
  HTTPValidationError,
  MalformedResponse,
  RateLimited,
  ServerError,
  TokenNotFound,
  TransportError,
  Unauthorized,
  UnexpectedStatus,
  type ValidationErrorItem,
  ValidationFailed
} from "@deepset-tokens/domain"
import {
  type Body,
  BodyAccumulator,
  bodyOf,
  brokenWith,
  declaredLength,
  describeError,
  excerpt,
  type HeaderEntries,
  type HeaderLookup,
  isClean,
  isIdentity,
  type OutcomeContext,
  outcomeOf,
  requestIdOf,
  responseHeadersOf,
  type Scrub,
  tooLarge
} from "@deepset-tokens/wire"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const brokenBody = (error: HttpClientError.ResponseError): Body => brokenWith(describeCause(error))

/**
 * Reads at most `maxBytes` of the body, never more into memory.
 *
 * With a `Content-Length` (the usual case) the body is read in one piece: HTTP framing guarantees no more
 * than the declared bytes arrive. Without one (chunked, or encoded: see `interpret`), it is streamed into
 * the wire core's accumulator. Either way, a body over the cap is not read further and its stream is
 * cancelled, which closes the connection.
 */
const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  length: string | undefined,
  maxBytes: number
): Effect.Effect<Body> => {
  const declared = declaredLength(length)
  if (declared !== undefined) {
    if (declared > maxBytes) return Effect.as(cancel(response), tooLarge)
    return Effect.match(response.text, { onFailure: brokenBody, onSuccess: bodyOf })
  }
  const body = new BodyAccumulator(maxBytes)
  let truncated = false
  return response.stream.pipe(
    Stream.takeWhile((chunk) => {
      if (body.push(chunk)) return true
      truncated = true
      return false
    }),
    Stream.runDrain,
    Effect.match({
      onFailure: brokenBody,
      // An oversize stream keeps the beginning it read: an error status shows it in its excerpt.
      onSuccess: (): Body => ({ text: body.text(), truncated, broken: undefined })
    })
  )
}

/** Opening and dropping the body stream cancels it, so the transport closes the connection. */
const cancel = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> =>
  Effect.ignore(Stream.runDrain(Stream.take(response.stream, 1)))

/** The innermost useful message of a transport failure (undici hides the errno in `cause`). @internal */
export const describeCause = (error: HttpClientError.HttpClientError): string => {
  const described = describeError(error.cause)
  return described.length === 0 ? error.message : described
}

const decodeValidation = Schema.decodeUnknownEither(HTTPValidationError)

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => typeof key === "number" ? `${out}[${key}]` : out.length === 0 ? String(key) : `${out}.${String(key)}`,
    ""
  )

/** @internal */
export interface InterpretContext extends OutcomeContext {
  readonly id: ApiTokenId
}

/** Server text inside a 422 item is scrubbed like any other; free-form parts that carry the key are dropped. */
const cleanItem = (scrub: Scrub, item: ValidationErrorItem): ValidationErrorItem => ({
  loc: item.loc.map((part) => typeof part === "string" ? scrub(part) : part),
  msg: scrub(item.msg),
  type: scrub(item.type),
  ...(item.input !== undefined && isClean(scrub, item.input) ? { input: item.input } : {}),
  ...(item.ctx !== undefined && isClean(scrub, item.ctx) ? { ctx: item.ctx } : {})
})

const validationDetail = (json: unknown, scrub: Scrub): ReadonlyArray<ValidationErrorItem> => {
  if (json === undefined) return []
  const decoded = decodeValidation(json)
  return Either.isLeft(decoded) ? [] : (decoded.right.detail ?? []).map((item) => cleanItem(scrub, item))
}

const retryAfter = (millis: number | undefined): Option.Option<Duration.Duration> =>
  millis === undefined ? Option.none() : Option.some(Duration.millis(millis))

/**
 * Maps any response to a `TokenMeta` or exactly one member of the error union: the wire core's `outcomeOf`,
 * with the success decoded by the `TokenMeta` schema and each failure as its domain error. Shared by the
 * generic path (`interpret`) and the lean transports. `entries` (every header) is read only for an error.
 *
 * @internal
 */
export const interpretBody = (
  status: number,
  header: HeaderLookup,
  body: Body,
  ctx: InterpretContext,
  nowMillis: () => number,
  entries: HeaderEntries | undefined
): Either.Either<TokenMeta, ApiTokensError> => {
  const outcome = outcomeOf(status, header, body, ctx, nowMillis, entries)
  if (outcome._tag === "Success") {
    const decoded = decodeTokenMeta(outcome.json)
    // A Right holds no error, so this one serves as is: no second allocation on the hot path.
    if (Either.isRight(decoded)) return decoded as Either.Either<TokenMeta, never>
    const first = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
    return Either.left(
      new MalformedResponse({
        status,
        requestId: Option.fromNullable(requestIdOf(header, ctx.scrub)),
        headers: responseHeadersOf(entries, ctx.scrub),
        path: first === undefined ? "" : formatPath(first.path),
        issue: excerpt(ctx.scrub, first === undefined ? decoded.left.message : first.message)
      })
    )
  }
  if (outcome._tag === "TransportError") return Either.left(new TransportError({ reason: outcome.reason }))
  const requestId = Option.fromNullable(outcome.requestId)
  const { headers } = outcome
  switch (outcome._tag) {
    case "Unauthorized":
      return Either.left(new Unauthorized({ status, requestId, headers }))
    case "Forbidden":
      return Either.left(new Forbidden({ status, requestId, headers }))
    case "TokenNotFound":
      return Either.left(new TokenNotFound({ id: ctx.id, status, requestId, headers }))
    case "ValidationFailed": {
      const detail = validationDetail(outcome.json, ctx.scrub)
      return Either.left(new ValidationFailed({ status, requestId, headers, detail, bodyExcerpt: outcome.bodyExcerpt }))
    }
    case "RateLimited":
      return Either.left(
        new RateLimited({ status, requestId, headers, retryAfter: retryAfter(outcome.retryAfterMillis) })
      )
    case "ServerError":
      return Either.left(
        new ServerError({ status, requestId, headers, retryAfter: retryAfter(outcome.retryAfterMillis) })
      )
    case "UnexpectedStatus":
      return Either.left(new UnexpectedStatus({ status, requestId, headers, bodyExcerpt: outcome.bodyExcerpt }))
    case "MalformedResponse":
      return Either.left(
        new MalformedResponse({ status, requestId, headers, path: outcome.path, issue: outcome.issue })
      )
  }
}

/**
 * `interpretBody` over an `@effect/platform` response: reads the body under the cap, then maps it. `clock` is
 * the attempt's (the caller already holds it: no `Effect.clockWith` per call).
 *
 * @internal
 */
export const interpret = (
  response: HttpClientResponse.HttpClientResponse,
  ctx: InterpretContext,
  clock: Clock.Clock
): Effect.Effect<TokenMeta, ApiTokensError> => {
  // `response.headers` builds a new object on every access: read it once.
  const headers = response.headers
  // fetch decodes a `Content-Encoding`, so its `Content-Length` counts compressed bytes and bounds nothing
  // (a 16 kB gzip bomb is 16 MB of text): an encoded body is streamed and counted instead.
  const length = isIdentity(headers["content-encoding"]) ? headers["content-length"] : undefined
  const header: HeaderLookup = (name) => headers[name]
  const now = () => clock.unsafeCurrentTimeMillis()
  return Effect.flatMap(
    readBody(response, length, ctx.maxBodyBytes),
    (body) => interpretBody(response.status, header, body, ctx, now, headers)
  )
}
