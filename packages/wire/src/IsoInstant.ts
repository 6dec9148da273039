/**
 * Strict ISO 8601 / RFC 3339 instants, as the API writes `expires_at`.
 *
 * @since 0.1.0
 */

const isoInstant =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const daysInMonth = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : monthDays[month - 1]!

/**
 * Parses an ISO 8601 / RFC 3339 instant to epoch milliseconds, or `undefined`.
 *
 * **Details**
 *
 * Accepts one to nine fractional digits (truncated to milliseconds), `Z` or a numeric offset (`+02:00`,
 * `+0200`, `+02`), and `T` in either case. Refuses dates without a time or a zone, impossible calendar
 * values (`2024-02-30`) and leap seconds, which an epoch count cannot hold.
 *
 * @example
 * ```ts
 * import { parseIsoInstantMillis } from "@deepset-tokens/wire"
 *
 * parseIsoInstantMillis("1970-01-01T01:00:00+01:00") // 0
 * ```
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseIsoInstantMillis = (input: string): number | undefined => {
  const m = isoInstant.exec(input)
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = Number(m[6])
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"))
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (m[8] === undefined) {
    const offHours = Number(m[10])
    const offMinutes = m[11] === undefined ? 0 : Number(m[11])
    if (offHours > 23 || offMinutes > 59) return undefined
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offHours * 60 + offMinutes)
  }
  let epoch: number
  if (year >= 100) epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  else {
    // setUTCFullYear keeps years 0-99 literal, where Date.UTC would map them to 1900-1999.
    const utc = new Date(0)
    utc.setUTCFullYear(year, month - 1, day)
    utc.setUTCHours(hour, minute, second, millis)
    epoch = utc.getTime()
  }
  return epoch - offsetMinutes * 60_000
}
