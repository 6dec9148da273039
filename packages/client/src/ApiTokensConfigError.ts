/**
 * The one error a client constructor fails with when its options are unusable.
 *
 * It belongs to the client, not the domain: it describes the client's options (base URL, key, timeouts,
 * retries, cache), never a resource of the API.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A client constructor (`ApiTokens.make`, `layer`, `layerConfig`, or `ApiTokens.validateOptions`) was given an
 * unusable option: a malformed or insecure base URL, an empty or malformed API key, or a duration or count out
 * of its documented range.
 *
 * **Details**
 *
 * `field` names the option as it is spelled in `ApiTokens.Options` (`"timeout"`, `"retry.times"`,
 * `"cache.ttl"`, ...) and `reason` says what was expected. When several options are bad, the first in the
 * documented order is reported. The key's value is never shown, not even in part.
 *
 * @example
 * ```ts
 * import { ApiTokens, ApiTokensConfigError } from "@deepset-tokens/client"
 * import { Either, Redacted } from "effect"
 *
 * const checked = ApiTokens.validateOptions({ apiKey: Redacted.make("api_key"), timeout: 0 })
 * if (Either.isLeft(checked) && checked.left instanceof ApiTokensConfigError) {
 *   console.log(checked.left.field) // "timeout"
 * }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class ApiTokensConfigError extends Schema.TaggedError<ApiTokensConfigError>()("ApiTokensConfigError", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Invalid ApiTokens configuration, ${this.field}: ${this.reason}`
  }
}
