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

/**
 * Every header of a response, as a transport has them at hand: fetch's `Headers` (iterable as
 * `[name, value]`), or a record by name (undici's raw headers, `@effect/platform`'s `Headers`).
 *
 * **Details**
 *
 * Only an error reads it, through {@link responseHeadersOf}: a transport passes the object it already holds,
 * so a success builds nothing for it.
 *
 * @category models
 * @since 0.1.0
 */
export type HeaderEntries = Iterable<readonly [string, string]> | Readonly<Record<string, string>>

/**
 * How much of a response's headers an error keeps: at most `count` headers (the first the server sent),
 * names of at most `nameLength` characters (a longer one is dropped), values cut to `valueLength` characters.
 *
 * @category constants
 * @since 0.1.0
 */
export const headerLimits = { count: 50, nameLength: 64, valueLength: 256 } as const

/**
 * What an error shows instead of a value that is or could be a credential.
 *
 * @category constants
 * @since 0.1.0
 */
export const redactedValue = "[redacted]"

// Names whose values carry credentials in some form the scrubber cannot see (base64 in Basic auth, a session
// derived from the key, a signature over it). Rate-limit headers are named for what they count, never hold a
// credential, and are what callers want from a 429: the scrubber still guards them like every other value.
const credentialName = /auth|cookie|key|secret|token|passw|credential|session|signature/
const rateLimitName = /^(x-)?ratelimit-/

/**
 * Whether an error shows `name`'s value as `[redacted]` whatever it holds: `authorization`,
 * `proxy-authorization`, `cookie`, `set-cookie`, `www-authenticate`, `proxy-authenticate`, and any name that
 * mentions auth, a cookie, a key, a secret, a token, a password, a credential, a session or a signature
 * (`x-api-key`, `x-auth-token`, ...), except a `ratelimit-` or `x-ratelimit-` name.
 *
 * @category predicates
 * @since 0.1.0
 */
export const isCredentialHeader = (name: string): boolean => {
  const lower = name.toLowerCase()
  return credentialName.test(lower) && !rateLimitName.test(lower)
}

const cut = (text: string): string =>
  text.length > headerLimits.valueLength ? `${text.slice(0, headerLimits.valueLength)}…` : text

const entriesOf = (headers: HeaderEntries): Iterable<readonly [string, string]> =>
  Symbol.iterator in headers
    ? headers as Iterable<readonly [string, string]>
    : Object.entries(headers as Readonly<Record<string, string>>)

/**
 * The headers an error may carry: lowercase names, bounded by {@link headerLimits}, with every value that
 * could hold the key replaced by `[redacted]`.
 *
 * **Details**
 *
 * A value is kept only when `scrub` finds no key in it and its name is not a credential's
 * ({@link isCredentialHeader}); otherwise it reads `[redacted]`, whole (a value that held the key is not the
 * server's value once rewritten). A name that holds the key is dropped with its value. A kept value is cut to
 * `headerLimits.valueLength` characters with an ellipsis; it held no key, so no cut can leave part of one.
 * Repeated names are joined with `, `. The result is a plain record, safe to serialize.
 *
 * **When to use**
 *
 * On an error path only: it walks every header.
 *
 * @example
 * ```ts
 * import { makeScrub, responseHeadersOf } from "@deepset-tokens/wire"
 *
 * const headers = responseHeadersOf(
 *   { "x-ratelimit-remaining": "0", "set-cookie": "sid=1", "x-echo": "Bearer api_secret" },
 *   makeScrub("api_secret")
 * )
 * // { "x-ratelimit-remaining": "0", "set-cookie": "[redacted]", "x-echo": "[redacted]" }
 * ```
 *
 * @category headers
 * @since 0.1.0
 */
export const responseHeadersOf = (
  headers: HeaderEntries | undefined,
  scrub: (text: string) => string
): Readonly<Record<string, string>> => {
  if (headers === undefined) return {}
  const kept = new Map<string, string>()
  for (const [rawName, value] of entriesOf(headers)) {
    const name = String(rawName).toLowerCase()
    if (name.length === 0 || name.length > headerLimits.nameLength || scrub(name) !== name) continue
    const text = String(value)
    const shown = isCredentialHeader(name) || scrub(text) !== text ? redactedValue : cut(text)
    const seen = kept.get(name)
    if (seen !== undefined) {
      // A repeated name: joined, and redacted whole if either part was.
      kept.set(name, seen === redactedValue || shown === redactedValue ? redactedValue : cut(`${seen}, ${shown}`))
      continue
    }
    if (kept.size === headerLimits.count) break
    kept.set(name, shown)
  }
  // fromEntries defines own properties, so even a `__proto__` header is a plain entry.
  return Object.fromEntries(kept)
}
