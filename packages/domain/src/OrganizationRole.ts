/**
 * The organization role an API token acts with.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Its title and description sit on `TokenMeta`'s property, so parse errors read
 * `Expected "ADMIN" | "MEMBER" | "EXTERNAL"` rather than a title.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationRole = Schema.Literal("ADMIN", "MEMBER", "EXTERNAL")

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationRole = typeof OrganizationRole.Type
