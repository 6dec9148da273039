/**
 * The implementation: the `TokenAuth` middleware on `ApiTokens`, and the handlers.
 *
 * @since 0.1.0
 */
import { ApiTokens, type ApiTokensError, grantsWorkspace, isExpiredAt } from "@deepset-tokens/client"
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { DateTime, Effect, Layer, Redacted } from "effect"
import { Api, CurrentToken, TokenAuth, TokenCheckUnavailable, TokenRejected, WorkspaceForbidden } from "./Api.js"

const rejectOrUnavailable = (error: ApiTokensError): Effect.Effect<never, TokenRejected | TokenCheckUnavailable> => {
  switch (error._tag) {
    case "InvalidTokenId":
      return Effect.fail(new TokenRejected({ reason: "malformed" }))
    case "TokenNotFound":
      return Effect.fail(new TokenRejected({ reason: "unknown" }))
    default:
      return Effect.zipRight(Effect.logWarning("token check failed upstream", error), new TokenCheckUnavailable())
  }
}

/**
 * `TokenAuth` on the `ApiTokens` in context. Errors about the caller's token become 401s; errors about
 * deepset or our own key become a 503, and are logged for us (`ApiTokens` errors never hold the key).
 *
 * @category layers
 * @since 0.1.0
 */
export const TokenAuthLive: Layer.Layer<TokenAuth, never, ApiTokens> = Layer.effect(
  TokenAuth,
  Effect.gen(function*() {
    const tokens = yield* ApiTokens
    return TokenAuth.of({
      tokenId: (header) =>
        Effect.gen(function*() {
          const id = Redacted.value(header).trim()
          if (id.length === 0) return yield* new TokenRejected({ reason: "missing" })
          const token = yield* Effect.catchAll(tokens.retrieve(id), rejectOrUnavailable)
          // DateTime.now reads the Clock service: the TestClock in tests (see TestNow in the tests).
          if (isExpiredAt(token, yield* DateTime.now)) return yield* new TokenRejected({ reason: "expired" })
          return token
        })
    })
  })
)

/**
 * The handlers of the `workspaces` group.
 *
 * @category layers
 * @since 0.1.0
 */
export const WorkspacesLive = HttpApiBuilder.group(
  Api,
  "workspaces",
  (handlers) =>
    handlers.handle("access", ({ path }) =>
      Effect.gen(function*() {
        const token = yield* CurrentToken
        if (!grantsWorkspace(token, path.workspace)) {
          return yield* new WorkspaceForbidden({ workspace: path.workspace })
        }
        return {
          workspace: path.workspace,
          tokenName: token.name,
          role: token.organization_role,
          expiresAt: token.expires_at
        }
      }))
)

/**
 * The whole API, needing only `ApiTokens`. Serve it with `HttpApiBuilder.serve()` on any `HttpServer`.
 *
 * @category layers
 * @since 0.1.0
 */
export const ApiLive: Layer.Layer<HttpApi.Api, never, ApiTokens> = HttpApiBuilder.api(Api).pipe(
  Layer.provide(WorkspacesLive),
  Layer.provide(TokenAuthLive)
)
