/**
 * Every failure a caller of `ApiTokens` can see, as `Schema.TaggedError`s, and their union.
 *
 * **Details**
 *
 * Each error has a readable `message` and is serializable with its own schema. HTTP-derived errors carry the
 * `status`, the server's `x-request-id` (when it sent one) as `requestId`, and the response's `headers`
 * (lowercase names, at most 50, values cut to 256 characters, every value that could hold the key
 * `[redacted]`). No error ever holds the API key: the client scrubs server-sent text before it lands here.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ApiTokenId } from "./ApiTokenId.js"
import { ValidationErrorItem } from "./ValidationError.js"

const status = Schema.Int
const requestId = Schema.OptionFromSelf(Schema.String)

/**
 * The response's headers by lowercase name, as the client keeps them: bounded, and with every value that
 * could hold the key (a credential's header, or any value the key appears in) replaced by `[redacted]`. Not
 * part of `message`. Optional when constructing or decoding (an error sent by an older version has none):
 * `{}` then.
 */
const headers = Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
  default: () => ({})
})

const withRequestId = (text: string, id: Option.Option<string>): string =>
  Option.isSome(id) ? `${text} (request id ${id.value})` : text

const formatDuration = (d: Duration.Duration): string => Duration.format(d)

const retryAfterText = (retryAfter: Option.Option<Duration.Duration>): string =>
  Option.match(retryAfter, { onNone: () => "", onSome: (d) => `; retry after ${formatDuration(d)}` })

/**
 * The input is not a token id. Raised before any request is sent.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidTokenId extends Schema.TaggedError<InvalidTokenId>()("InvalidTokenId", {
  /** The rejected input, cut to 64 characters. */
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Invalid token id ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * 401: the API key was missing or rejected (invalid, expired or revoked).
 *
 * @category errors
 * @since 0.1.0
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", { status, requestId, headers }) {
  override get message(): string {
    return withRequestId("401 Unauthorized: the API key was rejected (invalid, expired or revoked)", this.requestId)
  }
}

/**
 * 403: the key is valid but may not read this token.
 *
 * @category errors
 * @since 0.1.0
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { status, requestId, headers }) {
  override get message(): string {
    return withRequestId("403 Forbidden: the API key may not read this token", this.requestId)
  }
}

/**
 * 404: no token has this id (or the key's organization cannot see it).
 *
 * @category errors
 * @since 0.1.0
 */
export class TokenNotFound extends Schema.TaggedError<TokenNotFound>()("TokenNotFound", {
  id: ApiTokenId,
  status,
  requestId,
  headers
}) {
  override get message(): string {
    return withRequestId(`404 Not Found: no API token with id ${this.id}`, this.requestId)
  }
}

/**
 * 422: the server rejected the request. `detail` holds FastAPI's decoded items; it is empty when the body was
 * not the documented shape, and `bodyExcerpt` then shows what came instead.
 *
 * @category errors
 * @since 0.1.0
 */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  status,
  requestId,
  headers,
  detail: Schema.Array(ValidationErrorItem),
  bodyExcerpt: Schema.String
}) {
  override get message(): string {
    const first = this.detail[0]
    const what = first === undefined
      ? `undocumented body ${JSON.stringify(this.bodyExcerpt)}`
      : this.detail.map((item) => `${item.loc.join(".")}: ${item.msg}`).join("; ")
    return withRequestId(`422 Validation failed: ${what}`, this.requestId)
  }
}

/**
 * 429: too many requests. `retryAfter` is the delay the server asked for, when it named one; `headers` holds
 * the server's rate-limit headers (`x-ratelimit-remaining`, `ratelimit-reset`, ...) as it sent them.
 *
 * @category errors
 * @since 0.1.0
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  status,
  requestId,
  headers,
  retryAfter: Schema.OptionFromSelf(Schema.DurationFromSelf)
}) {
  override get message(): string {
    const after = retryAfterText(this.retryAfter)
    return withRequestId(`429 Rate limited${after}`, this.requestId)
  }
}

/**
 * 5xx: the server failed. `retryAfter` is the delay the server asked for (as with a 503), when it named one.
 *
 * @category errors
 * @since 0.1.0
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  status,
  requestId,
  headers,
  retryAfter: Schema.OptionFromSelf(Schema.DurationFromSelf)
}) {
  override get message(): string {
    const after = retryAfterText(this.retryAfter)
    return withRequestId(`${this.status} Server error${after}`, this.requestId)
  }
}

/**
 * Any other non-2xx status, 1xx and 3xx included (redirects are never followed, so the key never leaves the
 * configured origin). `bodyExcerpt` is the first few hundred characters of the body.
 *
 * **Gotchas**
 *
 * In a browser, `fetch` hides a redirect it was told not to follow (an opaque redirect): the status is `0` and
 * there are no headers or body. `status: 0` therefore means "a redirect was refused", and the message says so.
 *
 * @category errors
 * @since 0.1.0
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", {
  status,
  requestId,
  headers,
  bodyExcerpt: Schema.String
}) {
  override get message(): string {
    if (this.status === 0) {
      return withRequestId(
        "A redirect was refused: redirects are never followed, so the key stays with the configured origin (the browser hides the redirect's status and target)",
        this.requestId
      )
    }
    const body = this.bodyExcerpt.length === 0 ? "" : `: ${JSON.stringify(this.bodyExcerpt)}`
    return withRequestId(`Unexpected HTTP status ${this.status}${body}`, this.requestId)
  }
}

/**
 * The request never produced a complete response: connection refused or reset, DNS failure, TLS failure, or
 * the connection broke while the body was read.
 *
 * @category errors
 * @since 0.1.0
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `Network error: ${this.reason}`
  }
}

/**
 * A time limit was hit: `"attempt"` for one request (connect, headers and body), `"deadline"` for the
 * overall deadline across retries.
 *
 * @category errors
 * @since 0.1.0
 */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  limit: Schema.DurationFromSelf,
  scope: Schema.Literal("attempt", "deadline")
}) {
  override get message(): string {
    return this.scope === "attempt"
      ? `Timed out: no complete response within ${formatDuration(this.limit)}`
      : `Timed out: the overall deadline of ${formatDuration(this.limit)} passed`
  }
}

/**
 * A 2xx whose body is not a `TokenMeta`: not JSON, the wrong content type, too large, or a field that breaks
 * the schema. `path` names the field (`""` for the body as a whole) and `issue` says what is wrong.
 *
 * @category errors
 * @since 0.1.0
 */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
  status,
  requestId,
  headers,
  path: Schema.String,
  issue: Schema.String
}) {
  override get message(): string {
    const where = this.path.length === 0 ? "body" : `field ${this.path}`
    return withRequestId(`Malformed response (status ${this.status}), ${where}: ${this.issue}`, this.requestId)
  }
}

/**
 * Every error `ApiTokens.retrieve` can fail with.
 *
 * **When to use**
 *
 * Match on `_tag` with `Effect.catchTags`. Worth retrying at the application level, later: `RateLimited`,
 * `ServerError`, `TransportError`, `Timeout`. Never worth retrying: `InvalidTokenId`, `Unauthorized`,
 * `Forbidden`, `TokenNotFound`, `ValidationFailed`, `MalformedResponse`, and a 3xx/4xx `UnexpectedStatus`.
 *
 * @category errors
 * @since 0.1.0
 */
export type ApiTokensError =
  | InvalidTokenId
  | Unauthorized
  | Forbidden
  | TokenNotFound
  | ValidationFailed
  | RateLimited
  | ServerError
  | UnexpectedStatus
  | TransportError
  | Timeout
  | MalformedResponse

/**
 * The schema of {@link ApiTokensError}, to serialize errors across process boundaries.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ApiTokensError: Schema.Union<[
  typeof InvalidTokenId,
  typeof Unauthorized,
  typeof Forbidden,
  typeof TokenNotFound,
  typeof ValidationFailed,
  typeof RateLimited,
  typeof ServerError,
  typeof UnexpectedStatus,
  typeof TransportError,
  typeof Timeout,
  typeof MalformedResponse
]> = Schema.Union(
  InvalidTokenId,
  Unauthorized,
  Forbidden,
  TokenNotFound,
  ValidationFailed,
  RateLimited,
  ServerError,
  UnexpectedStatus,
  TransportError,
  Timeout,
  MalformedResponse
)
