/**
 * A workspace a token can access.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * **Gotchas**
 *
 * The API documents that a workspace name "must be longer than 3 characters", but declares no `minLength`.
 * The constraint is the server's to enforce on writes, so reads accept any string.
 *
 * @category schemas
 * @since 0.1.0
 */
export const WorkspaceName = Schema.Struct({
  name: Schema.propertySignature(Schema.String).annotations({
    title: "Workspace name",
    description: "The name of the workspace. It must be longer than 3 characters."
  })
}).annotations({ identifier: "WorkspaceName", title: "WorkspaceName" })

/**
 * @category models
 * @since 0.1.0
 */
export interface WorkspaceName extends Schema.Schema.Type<typeof WorkspaceName> {}
