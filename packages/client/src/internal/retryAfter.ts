import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const decimal = /^\d+(?:\.\d+)?$/
const integer = /^\d+$/
// RFC 9110 IMF-fixdate, the only HTTP-date form servers may send.
const imfFixdate =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * The delay a server asks for: `retry-after-ms` first, then `Retry-After` as delta-seconds or an HTTP date.
 * `0` is zero, not absent. Negative, fractional-seconds or garbage values are ignored (as if absent); a date
 * in the past means no wait.
 *
 * @internal
 */
export const parseRetryAfter = (
  header: (name: string) => string | undefined,
  nowMillis: number
): Option.Option<Duration.Duration> => {
  const ms = header("retry-after-ms")?.trim()
  if (ms !== undefined && decimal.test(ms)) {
    const value = Number(ms)
    if (Number.isFinite(value)) return Option.some(Duration.millis(value))
  }
  const ra = header("retry-after")?.trim()
  if (ra === undefined) return Option.none()
  if (integer.test(ra)) {
    const seconds = Number(ra)
    return Number.isSafeInteger(seconds) ? Option.some(Duration.seconds(seconds)) : Option.none()
  }
  if (imfFixdate.test(ra)) {
    const at = Date.parse(ra)
    if (Number.isFinite(at)) return Option.some(Duration.millis(Math.max(0, at - nowMillis)))
  }
  return Option.none()
}
