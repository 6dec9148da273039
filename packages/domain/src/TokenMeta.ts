/**
 * `TokenMeta`: what `GET /api/v1/token/{api_token_id}` returns, and pure questions services ask of it.
 *
 * @since 0.1.0
 */
import { checkTokenMetaShape } from "@deepset-tokens/wire"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ApiTokenId } from "./ApiTokenId.js"
import { OrganizationRole } from "./OrganizationRole.js"
import { UserName } from "./UserName.js"
import { UtcDateTimeFromIso } from "./UtcDateTime.js"
import { WorkspaceName } from "./WorkspaceName.js"

// Titles and descriptions sit on the property signatures: JSON Schema shows them, and parse errors still
// say "Expected string" instead of a title.
const fields = {
  api_token_id: ApiTokenId,
  expires: Schema.propertySignature(Schema.Boolean).annotations({
    title: "API Token Expires",
    description: "Specifies whether the API token expires."
  }),
  expires_at: Schema.propertySignature(Schema.NullOr(UtcDateTimeFromIso)).annotations({
    title: "API Token Expiry",
    description:
      "The date and time when the token expires. The timestamp is in the ISO 8601 format and follows the convention YYY-MM-DDTHH:MM:SS.sssZ. For more information, see [Date-Time](https://docs.cloud.deepset.ai/reference/api-best-practices#date-time)."
  }),
  masked_token: Schema.propertySignature(Schema.String).annotations({
    title: "API Token",
    description: "The masked API token. The first and last 4 characters are visible, the rest is masked."
  }),
  name: Schema.propertySignature(Schema.String).annotations({
    title: "API Token Name",
    description: "The name of the API token."
  }),
  organization_role: Schema.propertySignature(OrganizationRole).annotations({
    title: "Organization Role",
    description:
      "The role of the API token in the organization. Defaults to the role of the user that created the token. Admin users can create tokens with any role."
  }),
  personal: Schema.propertySignature(Schema.Boolean).annotations({
    title: "API Token type",
    description: "Indicates if the API token is a personal or service level token."
  }),
  role: Schema.propertySignature(Schema.String.annotations({
    jsonSchema: { deprecated: true },
    documentation: "Deprecated by the API: use organization_role."
  })).annotations({
    title: "API Token Role (Deprecated)",
    description:
      "The role of the API token. Defaults to the role of the user that created the token. Admin users can create tokens with any role."
  }),
  user: UserName,
  workspaces: Schema.propertySignature(Schema.Array(WorkspaceName)).annotations({ title: "Workspaces" })
}

const Wire = Schema.Struct({
  all_workspaces: Schema.optional(Schema.Boolean).annotations({ title: "All Workspaces", default: false }),
  ...fields
}).annotations({ title: "Token Meta" })

const Decoded = Schema.Struct({ all_workspaces: Schema.Boolean, ...fields })

/**
 * A token's metadata, with the wire's field names.
 *
 * **Details**
 *
 * - `all_workspaces` may be absent on the wire and then decodes to `false`.
 * - `expires_at` is a required key whose value is `null` or an ISO 8601 instant, decoded to `DateTime.Utc`.
 * - `role` is deprecated by the API in favour of `organization_role`, but still required.
 * - Unknown fields are ignored, so a growing API does not break decoding.
 *
 * @category schemas
 * @since 0.1.0
 */
export const TokenMeta: Schema.Schema<Schema.Schema.Type<typeof Decoded>, Schema.Schema.Encoded<typeof Wire>> = Schema
  .transform(Wire, Schema.typeSchema(Decoded), {
    strict: true,
    decode: (wire) => ({ ...wire, all_workspaces: wire.all_workspaces ?? false }),
    encode: (meta) => meta
  }).annotations({ identifier: "TokenMeta" })

/**
 * @category models
 * @since 0.1.0
 */
export interface TokenMeta extends Schema.Schema.Type<typeof TokenMeta> {}

/**
 * The JSON shape of a {@link TokenMeta} on the wire.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenMetaEncoded extends Schema.Schema.Encoded<typeof TokenMeta> {}

const decodeWithSchema = Schema.decodeUnknownEither(TokenMeta)

/**
 * `TokenMeta` built by the wire core's shape check, or `undefined` at its first doubt. Key order and every
 * value are what the schema's decoder builds; the property tests hold the two equal.
 */
const decodeValid = (u: unknown): TokenMeta | undefined =>
  // The check vouched for `api_token_id` against the UUID pattern, which is all the brand stands for.
  checkTokenMetaShape<DateTime.Utc>(u, DateTime.unsafeMake) as TokenMeta | undefined

/**
 * Decodes a parsed JSON value into a `TokenMeta`: the same result as
 * `Schema.decodeUnknownEither(TokenMeta)`, several times faster for a valid value.
 *
 * **Details**
 *
 * A valid value is checked and built by hand; anything else goes through the schema, so an invalid value
 * gets exactly the schema's `ParseError`. A property test holds the two paths equal.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeTokenMeta = (input: unknown): Either.Either<TokenMeta, ParseResult.ParseError> => {
  const decoded = decodeValid(input)
  return decoded === undefined ? decodeWithSchema(input) : Either.right(decoded)
}

/**
 * Whether a token no longer works at `now`. A token that does not expire, or has no expiry instant, never is.
 * A token is expired from its `expires_at` instant on.
 *
 * @example
 * ```ts
 * import { isExpiredAt, type TokenMeta } from "@deepset-tokens/domain"
 * import { DateTime } from "effect"
 *
 * declare const token: TokenMeta
 * isExpiredAt(token, DateTime.unsafeNow())
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isExpiredAt: {
  (now: DateTime.DateTime): (self: TokenMeta) => boolean
  (self: TokenMeta, now: DateTime.DateTime): boolean
} = dual(
  2,
  (self: TokenMeta, now: DateTime.DateTime): boolean =>
    self.expires && self.expires_at !== null && DateTime.toEpochMillis(now) >= DateTime.toEpochMillis(self.expires_at)
)

/**
 * Whether a token stops working within `window` of `now` (already expired included). Use it to warn before a
 * token runs out.
 *
 * @category predicates
 * @since 0.1.0
 */
export const expiresWithin: {
  (window: Duration.DurationInput, now: DateTime.DateTime): (self: TokenMeta) => boolean
  (self: TokenMeta, window: Duration.DurationInput, now: DateTime.DateTime): boolean
} = dual(
  3,
  (self: TokenMeta, window: Duration.DurationInput, now: DateTime.DateTime): boolean =>
    self.expires && self.expires_at !== null &&
    DateTime.toEpochMillis(self.expires_at) - DateTime.toEpochMillis(now) <= Duration.toMillis(window)
)

/**
 * Whether a token may act in the named workspace: either it covers all workspaces, or the name is listed.
 * Names compare exactly, as the API stores them.
 *
 * **Gotchas**
 *
 * This says nothing about expiry: combine it with {@link isExpiredAt}.
 *
 * @category predicates
 * @since 0.1.0
 */
export const grantsWorkspace: {
  (workspace: string): (self: TokenMeta) => boolean
  (self: TokenMeta, workspace: string): boolean
} = dual(
  2,
  (self: TokenMeta, workspace: string): boolean =>
    self.all_workspaces || self.workspaces.some((w) => w.name === workspace)
)
