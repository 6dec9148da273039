/**
 * The identifier of an API token: a UUID, branded so that an unchecked string cannot stand in for it.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * A token's id as the API documents it (`format: uuid`). Decoding accepts any letter case; use
 * {@link parseApiTokenId} to get the lowercase form the client sends.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ApiTokenId = Schema.UUID.pipe(
  Schema.brand("ApiTokenId"),
  Schema.annotations({
    identifier: "ApiTokenId",
    title: "API Token ID",
    description: "Unique identifier of the API token.",
    message: () => "Expected a UUID (8-4-4-4-12 hexadecimal digits)"
  })
)

/**
 * @category models
 * @since 0.1.0
 */
export type ApiTokenId = typeof ApiTokenId.Type

const canonical = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/**
 * Checks an untrusted string and returns the canonical lowercase id, or a short reason why it is not one.
 *
 * **Details**
 *
 * Only the canonical 8-4-4-4-12 hex form is accepted, in any case. Everything else (empty strings, `..`,
 * slashes, whitespace, braces, `urn:uuid:` prefixes, over-long input) is refused, because the id becomes a
 * path segment.
 *
 * @example
 * ```ts
 * import { parseApiTokenId } from "@deepset-tokens/domain"
 *
 * parseApiTokenId("3F2504E0-4F89-11D3-9A0C-0305E82C3301")
 * // Either.right("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const parseApiTokenId = (input: string): Either.Either<ApiTokenId, string> => {
  // The type says string; a JavaScript caller may still pass anything, and it must get a reason, not a TypeError.
  if (typeof input !== "string") {
    return Either.left(`a token id is a string, got ${input === null ? "null" : typeof input}`)
  }
  if (input.length === 0) return Either.left("the id is empty")
  if (input.length !== 36) return Either.left(`a token id is 36 characters long, got ${input.length}`)
  if (!canonical.test(input)) return Either.left("a token id is a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301")
  // The pattern above is all the brand checks, so `make` is told not to validate again: its validation runs the
  // schema's parser on every call, a few µs on the hot path of every request.
  return Either.right(ApiTokenId.make(input.toLowerCase(), true))
}
