/**
 * The name of the user a token belongs to.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * @category schemas
 * @since 0.1.0
 */
export const UserName = Schema.Struct({
  given_name: Schema.propertySignature(Schema.String).annotations({
    title: "Given name",
    description: "Given name of a user."
  }),
  family_name: Schema.propertySignature(Schema.String).annotations({
    title: "Family name",
    description: "Family name of a user."
  })
}).annotations({ identifier: "UserName", title: "User Name" })

/**
 * @category models
 * @since 0.1.0
 */
export interface UserName extends Schema.Schema.Type<typeof UserName> {}
