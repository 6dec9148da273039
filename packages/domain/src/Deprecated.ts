/**
 * An annotation that marks a schema as deprecated, with the advice to follow instead.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"

/**
 * Read it with {@link getDeprecated}. The JSON Schema side is marked separately with `deprecated: true`.
 *
 * @category annotations
 * @since 0.1.0
 */
export const DeprecatedAnnotationId: unique symbol = Symbol.for("@deepset-tokens/domain/Deprecated")

/**
 * The deprecation advice of a schema, if it has one.
 *
 * @category annotations
 * @since 0.1.0
 */
export const getDeprecated = (schema: Schema.Schema.AnyNoContext): Option.Option<string> => {
  const advice = schema.ast.annotations[DeprecatedAnnotationId]
  return typeof advice === "string" ? Option.some(advice) : Option.none()
}
