/**
 * Key scrubbing and excerpts: server text reaches an error only scrubbed of the API key and bounded.
 *
 * @since 0.1.0
 */

/**
 * How much server text an error may carry.
 *
 * @category constants
 * @since 0.1.0
 */
export const excerptLimit = 512

/**
 * Removes every occurrence of the API key from text a server sent, before it can reach an error.
 *
 * @category models
 * @since 0.1.0
 */
export type Scrub = (text: string) => string

/**
 * A {@link Scrub} for `secret`. An empty secret scrubs nothing (it would match everywhere).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeScrub = (secret: string): Scrub => (text) =>
  secret.length > 0 && text.includes(secret) ? text.replaceAll(secret, "[redacted]") : text

/**
 * `text` scrubbed, then cut to `limit` characters with an ellipsis. Scrubbed first, so a cut can never leave
 * a prefix of the key behind.
 *
 * @category excerpts
 * @since 0.1.0
 */
export const excerpt = (scrub: Scrub, text: string, limit = excerptLimit): string => {
  const clean = scrub(text)
  return clean.length > limit ? `${clean.slice(0, limit)}…` : clean
}

/**
 * Whether `value`, as JSON, survives `scrub` unchanged: a free-form value that carries the key does not, and
 * is dropped rather than rewritten (a rewritten value would no longer be the server's).
 *
 * @category predicates
 * @since 0.1.0
 */
export const isClean = (scrub: Scrub, value: unknown): boolean => {
  const json = JSON.stringify(value)
  return json === undefined || scrub(json) === json
}
