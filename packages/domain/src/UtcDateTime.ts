/**
 * A strict ISO 8601 / RFC 3339 instant on the wire, `DateTime.Utc` in memory.
 *
 * @since 0.1.0
 */
import { parseIsoInstantMillis } from "@deepset-tokens/wire"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * Parses an ISO 8601 / RFC 3339 instant to epoch milliseconds (the wire core's `parseIsoInstantMillis`).
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
export const parseIsoInstant = (input: string): Option.Option<number> =>
  Option.fromNullable(parseIsoInstantMillis(input))

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
