/**
 * The API's 422 body: FastAPI's `HTTPValidationError`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * One validation problem: where (`loc`), what (`msg`) and its machine-readable kind (`type`).
 *
 * @category schemas
 * @since 0.1.0
 */
export const ValidationErrorItem = Schema.Struct({
  loc: Schema.propertySignature(Schema.Array(Schema.Union(Schema.String, Schema.Int))).annotations({
    title: "Location"
  }),
  msg: Schema.propertySignature(Schema.String).annotations({ title: "Message" }),
  type: Schema.propertySignature(Schema.String).annotations({ title: "Error Type" }),
  input: Schema.optional(Schema.Unknown).annotations({ title: "Input" }),
  ctx: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })).annotations({ title: "Context" })
}).annotations({ identifier: "ValidationError", title: "ValidationError" })

/**
 * @category models
 * @since 0.1.0
 */
export interface ValidationErrorItem extends Schema.Schema.Type<typeof ValidationErrorItem> {}

/**
 * **Gotchas**
 *
 * `detail` is optional in the API's own schema; a body without it is still an `HTTPValidationError`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const HTTPValidationError = Schema.Struct({
  detail: Schema.optional(Schema.Array(ValidationErrorItem)).annotations({ title: "Detail" })
}).annotations({ identifier: "HTTPValidationError", title: "HTTPValidationError" })

/**
 * @category models
 * @since 0.1.0
 */
export interface HTTPValidationError extends Schema.Schema.Type<typeof HTTPValidationError> {}
