/**
 * The wire core's base-URL rules, with a refusal as an `ApiTokensConfigError`.
 */
import { type BaseUrlOptions, resolveBaseUrl as resolve } from "@deepset-tokens/wire"
import * as Either from "effect/Either"
import { ApiTokensConfigError } from "../ApiTokensConfigError.js"

/**
 * Resolves `baseUrl`/`region` to an origin plus optional path prefix (see the wire core's `resolveBaseUrl`).
 *
 * @internal
 */
export const resolveBaseUrl = (options: BaseUrlOptions): Either.Either<string, ApiTokensConfigError> => {
  const result = resolve(options)
  return result._tag === "Resolved"
    ? Either.right(result.baseUrl)
    : Either.left(new ApiTokensConfigError({ field: result.field, reason: result.reason }))
}
