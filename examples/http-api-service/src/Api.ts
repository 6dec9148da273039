/**
 * The service's API: one protected endpoint, guarded by a `TokenAuth` middleware that asks `ApiTokens`
 * about the caller's deepset API token.
 *
 * @since 0.1.0
 */
import { OrganizationRole, type TokenMeta } from "@deepset-tokens/client"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import { Context, Schema } from "effect"

/**
 * 401: the caller's token is missing, not a token id, unknown to deepset, or expired. `reason` says which,
 * so a client can tell "log in again" from "fix your request".
 *
 * @category errors
 * @since 0.1.0
 */
export class TokenRejected extends Schema.TaggedError<TokenRejected>()(
  "TokenRejected",
  { reason: Schema.Literal("missing", "malformed", "unknown", "expired") },
  HttpApiSchema.annotations({ status: 401 })
) {}

/**
 * 403: a valid token that is not granted the workspace it asked for.
 *
 * @category errors
 * @since 0.1.0
 */
export class WorkspaceForbidden extends Schema.TaggedError<WorkspaceForbidden>()(
  "WorkspaceForbidden",
  { workspace: Schema.String },
  HttpApiSchema.annotations({ status: 403 })
) {}

/**
 * 503: deepset could not be asked (down, rate limited, or it refused our own key). The details go to the
 * logs, not to the caller.
 *
 * @category errors
 * @since 0.1.0
 */
export class TokenCheckUnavailable extends Schema.TaggedError<TokenCheckUnavailable>()(
  "TokenCheckUnavailable",
  {},
  HttpApiSchema.annotations({ status: 503 })
) {}

/**
 * The caller's token, as deepset describes it; provided to handlers by {@link TokenAuth}.
 *
 * @category tags
 * @since 0.1.0
 */
export class CurrentToken extends Context.Tag("example/CurrentToken")<CurrentToken, TokenMeta>() {}

/**
 * The header a trusted gateway sets to the id of the deepset API token the caller authenticated with.
 *
 * @category constants
 * @since 0.1.0
 */
export const tokenIdHeader = "x-deepset-token-id"

/**
 * Authenticates every request of a group: the token must exist and not be expired. Which workspace it may
 * use is the handler's question, since only the handler knows the workspace.
 *
 * @category middleware
 * @since 0.1.0
 */
export class TokenAuth extends HttpApiMiddleware.Tag<TokenAuth>()("TokenAuth", {
  failure: Schema.Union(TokenRejected, TokenCheckUnavailable),
  provides: CurrentToken,
  security: { tokenId: HttpApiSecurity.apiKey({ key: tokenIdHeader, in: "header" }) }
}) {}

/**
 * What the protected endpoint answers.
 *
 * @category schemas
 * @since 0.1.0
 */
export const WorkspaceAccess = Schema.Struct({
  workspace: Schema.String,
  tokenName: Schema.String,
  role: OrganizationRole,
  expiresAt: Schema.NullOr(Schema.DateTimeUtc)
})

/**
 * @category api
 * @since 0.1.0
 */
export class WorkspacesGroup extends HttpApiGroup.make("workspaces")
  .add(
    HttpApiEndpoint.get("access", "/workspaces/:workspace/access")
      .setPath(Schema.Struct({ workspace: Schema.String }))
      .addSuccess(WorkspaceAccess)
      .addError(WorkspaceForbidden)
  )
  .middleware(TokenAuth)
{}

/**
 * @category api
 * @since 0.1.0
 */
export class Api extends HttpApi.make("example").add(WorkspacesGroup) {}
