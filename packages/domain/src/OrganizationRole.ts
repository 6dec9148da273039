/**
 * The organization role an API token acts with.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationRole = Schema.Literal("ADMIN", "MEMBER", "EXTERNAL").annotations({
  identifier: "OrganizationRole",
  title: "Organization Role",
  description:
    "The role of the API token in the organization. Defaults to the role of the user that created the token. Admin users can create tokens with any role."
})

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationRole = typeof OrganizationRole.Type
