import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc, Option, Schema } from "effect"
import { parseIsoInstant, UtcDateTimeFromIso } from "../src/index.js"

const decode = Schema.decodeUnknownEither(UtcDateTimeFromIso)
const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0")

describe("UtcDateTimeFromIso", () => {
  it.prop(
    "decodes any instant written with any fraction length and any offset",
    [
      fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      fc.constantFrom("colon", "compact", "Z")
    ],
    ([date, digits, offset, style]) => {
      const ms = date.getTime()
      const effectiveOffset = style === "Z" ? 0 : offset
      const local = new Date(ms + effectiveOffset * 60_000)
      const millis = pad(local.getUTCMilliseconds(), 3)
      // Digits past the third are below DateTime's precision; fewer than three drop the rest.
      const fraction = digits >= 3 ? millis.padEnd(digits, "7") : millis.slice(0, digits)
      const zone = style === "Z"
        ? "Z"
        : `${effectiveOffset < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(effectiveOffset) / 60))}${
          style === "colon" ? ":" : ""
        }${pad(Math.abs(effectiveOffset) % 60)}`
      const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${
        pad(local.getUTCHours())
      }:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${fraction}${zone}`
      const expected = ms - local.getUTCMilliseconds() + Number(fraction.slice(0, 3).padEnd(3, "0"))
      fc.pre(local.getUTCFullYear() >= 0 && local.getUTCFullYear() <= 9999)
      expect(Either.map(decode(text), DateTime.toEpochMillis)).toEqual(Either.right(expected))
    }
  )

  it.prop(
    "accepts a calendar day exactly when it exists (leap years included)",
    [fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })],
    ([year, month, day]) => {
      const probe = new Date(0)
      probe.setUTCFullYear(year, month - 1, day)
      const exists = probe.getUTCDate() === day
      const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T00:00:00Z`
      expect(Option.isSome(parseIsoInstant(text))).toBe(exists)
      if (exists) expect(parseIsoInstant(text)).toEqual(Option.some(probe.getTime()))
    }
  )

  it("accepts the documented convention and common server forms", () => {
    const ok = [
      ["2025-01-31T12:00:00.000Z", "2025-01-31T12:00:00.000Z"],
      ["2025-01-31T12:00:00Z", "2025-01-31T12:00:00.000Z"],
      ["2025-01-31T12:00:00.1Z", "2025-01-31T12:00:00.100Z"],
      ["2025-01-31T12:00:00.123456+00:00", "2025-01-31T12:00:00.123Z"],
      ["2025-01-31T14:00:00+02:00", "2025-01-31T12:00:00.000Z"],
      ["2025-01-31t12:00:00z", "2025-01-31T12:00:00.000Z"],
      ["2024-02-29T00:00:00-0130", "2024-02-29T01:30:00.000Z"]
    ] as const
    for (const [input, iso] of ok) {
      expect(Either.map(decode(input), DateTime.formatIso)).toEqual(Either.right(iso))
    }
  })

  it("refuses what is not an instant", () => {
    const bad = [
      "",
      "2025-01-31",
      "2025-01-31T12:00:00",
      "2025-02-30T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2025-13-01T00:00:00Z",
      "2025-01-31T24:00:00Z",
      "2025-12-31T23:59:60Z",
      "2025-01-31T12:00:00+24:00",
      "2025-01-31 12:00:00Z",
      "Fri, 31 Jan 2025 12:00:00 GMT",
      "1738324800",
      "2025-01-31T12:00:00.Z"
    ]
    for (const input of bad) {
      expect(Option.isNone(parseIsoInstant(input)), input).toBe(true)
      expect(Either.isLeft(decode(input))).toBe(true)
    }
  })

  it("the error message shows the input, bounded", () => {
    const result = decode("x".repeat(500))
    expect(Either.isLeft(result) && result.left.message.length < 400).toBe(true)
  })
})
