/**
 * A strict ISO 8601 / RFC 3339 instant on the wire, `DateTime.Utc` in memory.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const isoInstant =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const daysInMonth = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : monthDays[month - 1]!

/**
 * Parses an ISO 8601 / RFC 3339 instant to epoch milliseconds.
 *
 * **Details**
 *
 * Accepts one to nine fractional digits (truncated to milliseconds, the precision of `DateTime`), `Z` or a
 * numeric offset (`+02:00`, `+0200`, `+02`), and `T` in either case. Refuses dates without a time or a zone,
 * impossible calendar values (`2024-02-30`) and leap seconds, which a `DateTime` cannot hold.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseIsoInstant = (input: string): Option.Option<number> => {
  const m = isoInstant.exec(input)
  if (m === null) return Option.none()
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = Number(m[6])
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"))
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Option.none()
  if (hour > 23 || minute > 59 || second > 59) return Option.none()
  let offsetMinutes = 0
  if (m[8] === undefined) {
    const offHours = Number(m[10])
    const offMinutes = m[11] === undefined ? 0 : Number(m[11])
    if (offHours > 23 || offMinutes > 59) return Option.none()
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
  return Option.some(epoch - offsetMinutes * 60_000)
}

/**
 * A date-time string (`format: date-time`) decoded to `DateTime.Utc`, and encoded back as
 * `YYYY-MM-DDTHH:MM:SS.sssZ`.
 *
 * @example
 * ```ts
 * import { UtcDateTimeFromIso } from "@deepset-tokens/domain"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(UtcDateTimeFromIso)("2025-06-01T12:00:00.5+02:00")
 * // DateTime.Utc 2025-06-01T10:00:00.500Z
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const UtcDateTimeFromIso = Schema.transformOrFail(
  Schema.String.annotations({ jsonSchema: { format: "date-time" } }),
  Schema.DateTimeUtcFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Option.match(parseIsoInstant(input), {
        onNone: () =>
          ParseResult.fail(
            new ParseResult.Type(
              ast,
              input,
              `Expected an ISO 8601 date-time with a zone (e.g. 2025-01-31T12:00:00.000Z), got ${
                JSON.stringify(input.length > 64 ? `${input.slice(0, 64)}…` : input)
              }`
            )
          ),
        onSome: (millis) => ParseResult.succeed(DateTime.unsafeMake(millis))
      }),
    encode: (dateTime) => ParseResult.succeed(DateTime.formatIso(dateTime))
  }
).annotations({
  identifier: "UtcDateTimeFromIso",
  arbitrary: () => (fc) =>
    fc.date({
      min: new Date("1970-01-01T00:00:00.000Z"),
      max: new Date("2199-12-31T23:59:59.999Z"),
      noInvalidDate: true
    })
      .map((date) => DateTime.unsafeFromDate(date))
})
