/**
 * The traced program: look a token up and say whether it still works.
 *
 * @since 0.1.0
 */
import { ApiTokens, type ApiTokensError, isExpiredAt } from "@deepset-tokens/client"
import { DateTime, Effect } from "effect"

/**
 * @category models
 * @since 0.1.0
 */
export interface TokenStatus {
  readonly name: string
  readonly expired: boolean
}

/**
 * Runs in a `checkToken` span; `ApiTokens.retrieve` is its child, retries and all.
 *
 * @category programs
 * @since 0.1.0
 */
export const checkToken = (id: string): Effect.Effect<TokenStatus, ApiTokensError, ApiTokens> =>
  Effect.gen(function*() {
    const token = yield* Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id))
    const expired = isExpiredAt(token, yield* DateTime.now)
    // The id as deepset returned it, never the raw input: a caller may pass anything, even a key.
    yield* Effect.annotateCurrentSpan({ "deepset.api_token_id": token.api_token_id, "token.expired": expired })
    return { name: token.name, expired }
  }).pipe(Effect.withSpan("checkToken"))
