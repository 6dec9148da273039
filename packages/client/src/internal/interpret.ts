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
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { parseRetryAfter } from "./retryAfter.js"

/** How much server text an error may carry. @internal */
export const excerptLimit = 512

/** Removes every occurrence of the API key from text a server sent, before it can reach an error. @internal */
export type Scrub = (text: string) => string

/** @internal */
export const makeScrub = (secret: string): Scrub => (text) =>
  secret.length > 0 && text.includes(secret) ? text.replaceAll(secret, "[redacted]") : text

/** @internal */
export const excerpt = (scrub: Scrub, text: string, limit = excerptLimit): string => {
  const clean = scrub(text)
  return clean.length > limit ? `${clean.slice(0, limit)}…` : clean
}

/** A response body as read under the cap. @internal */
export interface Body {
  readonly text: string
  /** The body was larger than the cap; `text` is its beginning. */
  readonly truncated: boolean
  /** The connection broke while reading; `text` is what arrived. */
  readonly broken: Option.Option<string>
}

/** A header by lowercase name; repeated headers joined with `, `. @internal */
export type HeaderLookup = (name: string) => string | undefined

/** @internal */
export const bodyOf = (text: string): Body => ({ text, truncated: false, broken: Option.none() })

/** @internal */
export const tooLarge: Body = { text: "", truncated: true, broken: Option.none() }

/** @internal */
export const brokenWith = (reason: string): Body => ({ text: "", truncated: false, broken: Option.some(reason) })

const decoder = new TextDecoder()

const brokenBody = (error: HttpClientError.ResponseError): Body => brokenWith(describeCause(error))

/**
 * Reads at most `maxBytes` of the body, never more into memory.
 *
 * With a `Content-Length` (the usual case) the body is read in one piece: HTTP framing guarantees no more
 * than the declared bytes arrive. Without one (chunked, or encoded: see `interpret`), it is streamed and
 * counted. Either way, a body over the cap is not read further and its stream is cancelled, which closes
 * the connection.
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
  const chunks: Array<Uint8Array> = []
  let size = 0
  let truncated = false
  return response.stream.pipe(
    Stream.takeWhile((chunk) => {
      if (size + chunk.length > maxBytes) {
        truncated = true
        return false
      }
      size += chunk.length
      chunks.push(chunk)
      return true
    }),
    Stream.runDrain,
    Effect.match({
      onFailure: brokenBody,
      onSuccess: (): Body => {
        const all = new Uint8Array(size)
        let offset = 0
        for (const chunk of chunks) {
          all.set(chunk, offset)
          offset += chunk.length
        }
        return { text: decoder.decode(all), truncated, broken: Option.none() }
      }
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

/** The messages of an error and its causes, with any errno code. Empty for a non-`Error`. @internal */
export const describeError = (cause: unknown): string => {
  const messages: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    messages.push(
      typeof code === "string" && !current.message.includes(code) ? `${current.message} (${code})` : current.message
    )
    current = current.cause
  }
  return messages.join(": ")
}

const decodeValidation = Schema.decodeUnknownEither(HTTPValidationError)

const parseJson = (text: string): Either.Either<unknown, string> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (e) {
    return Either.left(e instanceof Error ? e.message : String(e))
  }
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => typeof key === "number" ? `${out}[${key}]` : out.length === 0 ? String(key) : `${out}.${String(key)}`,
    ""
  )

/** @internal */
export interface Context {
  readonly id: ApiTokenId
  readonly maxBodyBytes: number
  readonly scrub: Scrub
}

/**
 * Maps any response to a `TokenMeta` or exactly one member of the error union: total over statuses 100-599
 * and over every body. The transport-independent part, shared by the generic path (`interpret`) and the
 * lean transports.
 *
 * @internal
 */
export const interpretBody = (
  status: number,
  header: HeaderLookup,
  body: Body,
  ctx: Context,
  nowMillis: () => number
): Either.Either<TokenMeta, ApiTokensError> => {
  if (status >= 200 && status < 300) return success(status, header, body, ctx)
  const requestId = requestIdOf(header, ctx.scrub)
  switch (status) {
    case 401:
      return Either.left(new Unauthorized({ status, requestId }))
    case 403:
      return Either.left(new Forbidden({ status, requestId }))
    case 404:
      return Either.left(new TokenNotFound({ id: ctx.id, status, requestId }))
    case 422: {
      const detail = Either.match(Either.flatMap(parseJson(body.text), (json) => decodeValidation(json)), {
        onLeft: () => [],
        onRight: (decoded) => decoded.detail ?? []
      })
      return Either.left(
        new ValidationFailed({
          status,
          requestId,
          detail: detail.map((item) => cleanItem(ctx.scrub, item)),
          bodyExcerpt: excerpt(ctx.scrub, body.text)
        })
      )
    }
  }
  if (status === 429 || status >= 500) {
    const retryAfter = parseRetryAfter(header, nowMillis())
    return Either.left(
      status === 429
        ? new RateLimited({ status, requestId, retryAfter })
        : new ServerError({ status, requestId, retryAfter })
    )
  }
  return Either.left(new UnexpectedStatus({ status, requestId, bodyExcerpt: excerpt(ctx.scrub, body.text) }))
}

/**
 * `interpretBody` over an `@effect/platform` response: reads the body under the cap, then maps it.
 *
 * @internal
 */
export const interpret = (
  response: HttpClientResponse.HttpClientResponse,
  ctx: Context
): Effect.Effect<TokenMeta, ApiTokensError> => {
  // `response.headers` builds a new object on every access: read it once.
  const headers = response.headers
  // fetch decodes a `Content-Encoding`, so its `Content-Length` counts compressed bytes and bounds nothing
  // (a 16 kB gzip bomb is 16 MB of text): an encoded body is streamed and counted instead.
  const length = isIdentity(headers["content-encoding"]) ? headers["content-length"] : undefined
  const header: HeaderLookup = (name) => headers[name]
  return Effect.flatMap(
    readBody(response, length, ctx.maxBodyBytes),
    (body) =>
      Effect.clockWith((clock) =>
        interpretBody(response.status, header, body, ctx, () => clock.unsafeCurrentTimeMillis())
      )
  )
}

const identity = /^\s*identity\s*$/i

/** No `Content-Encoding`, or `identity`: the `Content-Length` counts the bytes the body will have. @internal */
export const isIdentity = (encoding: string | null | undefined): boolean =>
  encoding === undefined || encoding === null || identity.test(encoding)

/** The declared `Content-Length` when it is a plain non-negative integer. @internal */
export const declaredLength = (value: string | null | undefined): number | undefined => {
  if (value === undefined || value === null) return undefined
  const declared = Number(value)
  return Number.isSafeInteger(declared) && declared >= 0 && value.trim().length > 0 ? declared : undefined
}

/** Server text inside a 422 item is scrubbed like any other; free-form parts that carry the key are dropped. */
const cleanItem = (scrub: Scrub, item: ValidationErrorItem): ValidationErrorItem => {
  const clean = (value: unknown) => {
    const json = JSON.stringify(value)
    return json === undefined || scrub(json) === json
  }
  return {
    loc: item.loc.map((part) => typeof part === "string" ? scrub(part) : part),
    msg: scrub(item.msg),
    type: scrub(item.type),
    ...(item.input !== undefined && clean(item.input) ? { input: item.input } : {}),
    ...(item.ctx !== undefined && clean(item.ctx) ? { ctx: item.ctx } : {})
  }
}

/** The server's `X-Request-Id`, scrubbed and bounded: read only for an error (a success has no use for it). */
const requestIdOf = (header: HeaderLookup, scrub: Scrub): Option.Option<string> => {
  const value = header("x-request-id")
  return value === undefined || value.length === 0 ? Option.none() : Option.some(excerpt(scrub, value, 128))
}

const success = (
  status: number,
  header: HeaderLookup,
  body: Body,
  ctx: Context
): Either.Either<TokenMeta, ApiTokensError> => {
  const malformed = (path: string, issue: string) =>
    Either.left(
      new MalformedResponse({
        status,
        requestId: requestIdOf(header, ctx.scrub),
        path,
        issue: excerpt(ctx.scrub, issue)
      })
    )
  const contentType = header("content-type")
  if (Option.isSome(body.broken)) {
    return Either.left(
      new TransportError({
        reason: excerpt(ctx.scrub, `the connection broke while reading the body: ${body.broken.value}`)
      })
    )
  }
  if (body.truncated) return malformed("", `the body is larger than the ${ctx.maxBodyBytes}-byte cap`)
  if (contentType !== undefined && !/json/i.test(contentType)) {
    return malformed("", `expected application/json, got ${contentType}: ${JSON.stringify(body.text.slice(0, 120))}`)
  }
  const json = parseJson(body.text)
  if (Either.isLeft(json)) {
    // Only a body that failed to parse is checked for emptiness: a valid one never pays for the trim.
    return malformed("", body.text.trim().length === 0 ? "the body is empty" : `invalid JSON (${json.left})`)
  }
  return Either.mapLeft(decodeTokenMeta(json.right), (error) => {
    const first = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
    return new MalformedResponse({
      status,
      requestId: requestIdOf(header, ctx.scrub),
      path: first === undefined ? "" : formatPath(first.path),
      issue: excerpt(ctx.scrub, first === undefined ? error.message : first.message)
    })
  })
}
