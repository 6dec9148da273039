/**
 * The delay a server asks for before a retry: `retry-after-ms`, then `Retry-After`.
 *
 * @since 0.1.0
 */
import type { HeaderLookup } from "./Headers.js"

const decimal = /^\d+(?:\.\d+)?$/
const integer = /^\d+$/
// RFC 9110 IMF-fixdate, the only HTTP-date form servers may send.
const imfFixdate =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * The delay a server asks for, in milliseconds: `retry-after-ms` first, then `Retry-After` as delta-seconds
 * or an HTTP date.
 *
 * **Details**
 *
 * `0` is zero, not absent. Negative, fractional-seconds or garbage values are ignored (`undefined`, as if
 * absent); a date in the past means no wait.
 *
 * @example
 * ```ts
 * import { parseRetryAfterMillis } from "@deepset-tokens/wire"
 *
 * parseRetryAfterMillis((name) => name === "retry-after" ? "2" : undefined, Date.now()) // 2000
 * ```
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseRetryAfterMillis = (header: HeaderLookup, nowMillis: number): number | undefined => {
  const ms = header("retry-after-ms")?.trim()
  if (ms !== undefined && decimal.test(ms)) {
    const value = Number(ms)
    if (Number.isFinite(value)) return value
  }
  const ra = header("retry-after")?.trim()
  if (ra === undefined) return undefined
  if (integer.test(ra)) {
    const seconds = Number(ra)
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined
  }
  if (imfFixdate.test(ra)) {
    const at = Date.parse(ra)
    if (Number.isFinite(at)) return Math.max(0, at - nowMillis)
  }
  return undefined
}
