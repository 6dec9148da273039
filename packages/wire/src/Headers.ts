/**
 * Response headers as the wire core reads them: a lookup by lowercase name, and what `Content-Length` and
 * `Content-Encoding` promise about the body.
 *
 * @since 0.1.0
 */

/**
 * A header by lowercase name; repeated headers joined with `, `.
 *
 * @category models
 * @since 0.1.0
 */
export type HeaderLookup = (name: string) => string | undefined

const identity = /^\s*identity\s*$/i

/**
 * No `Content-Encoding`, or `identity`: the `Content-Length` counts the bytes the body will have. With any
 * other encoding, a decoding reader (fetch) sees more bytes than declared.
 *
 * @category headers
 * @since 0.1.0
 */
export const isIdentity = (encoding: string | null | undefined): boolean =>
  encoding === undefined || encoding === null || identity.test(encoding)

/**
 * The declared `Content-Length` when it is a plain non-negative integer, else `undefined`.
 *
 * @category headers
 * @since 0.1.0
 */
export const declaredLength = (value: string | null | undefined): number | undefined => {
  if (value === undefined || value === null) return undefined
  const declared = Number(value)
  return Number.isSafeInteger(declared) && declared >= 0 && value.trim().length > 0 ? declared : undefined
}
