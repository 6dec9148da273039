import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseIsoInstantMillis } from "../src/index.js"

const date = fc.date({
  min: new Date("0001-01-01T00:00:00.000Z"),
  max: new Date("9999-12-31T23:59:59.999Z"),
  noInvalidDate: true
})
const two = (n: number) => String(n).padStart(2, "0")

describe("parseIsoInstantMillis", () => {
  it("reads back any instant toISOString writes, in four-digit years", () => {
    fc.assert(fc.property(date, (d) => {
      expect(parseIsoInstantMillis(d.toISOString())).toBe(d.getTime())
    }))
  })

  it("applies any numeric offset, in each of its forms, and a lowercase t or z", () => {
    fc.assert(fc.property(date, fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (d, offset) => {
      const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 23)
      const sign = offset < 0 ? "-" : "+"
      const hours = two(Math.floor(Math.abs(offset) / 60))
      const minutes = two(Math.abs(offset) % 60)
      fc.pre(!local.startsWith("-") && !local.startsWith("+"))
      for (const zone of [`${sign}${hours}:${minutes}`, `${sign}${hours}${minutes}`]) {
        expect(parseIsoInstantMillis(`${local}${zone}`)).toBe(d.getTime())
      }
      if (minutes === "00") expect(parseIsoInstantMillis(`${local}${sign}${hours}`)).toBe(d.getTime())
      expect(parseIsoInstantMillis(`${d.toISOString().slice(0, 10)}t${d.toISOString().slice(11, 23)}z`)).toBe(
        d.getTime()
      )
    }))
  })

  it("truncates up to nine fractional digits to milliseconds", () => {
    fc.assert(fc.property(date, fc.stringMatching(/^\d{0,6}$/), (d, extra) => {
      const iso = d.toISOString()
      expect(parseIsoInstantMillis(`${iso.slice(0, 23)}${extra}Z`)).toBe(d.getTime())
    }))
  })

  it("refuses impossible calendar values, leap seconds, and dates without a time or a zone", () => {
    fc.assert(fc.property(date, (d) => {
      const iso = d.toISOString()
      expect(parseIsoInstantMillis(iso.slice(0, 10))).toBeUndefined()
      expect(parseIsoInstantMillis(iso.slice(0, 23))).toBeUndefined()
      expect(parseIsoInstantMillis(`${iso.slice(0, 17)}60Z`)).toBeUndefined()
      expect(parseIsoInstantMillis(`${iso.slice(0, 11)}24${iso.slice(13)}`)).toBeUndefined()
      expect(parseIsoInstantMillis(`${iso.slice(0, 5)}13${iso.slice(7)}`)).toBeUndefined()
    }))
    expect(parseIsoInstantMillis("2023-02-29T00:00:00Z")).toBeUndefined()
    expect(parseIsoInstantMillis("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29))
    expect(parseIsoInstantMillis("1900-02-29T00:00:00Z")).toBeUndefined()
    expect(parseIsoInstantMillis("2024-04-31T00:00:00Z")).toBeUndefined()
    expect(parseIsoInstantMillis("2024-01-01T00:00:00+24:00")).toBeUndefined()
  })

  it("keeps years 0-99 literal", () => {
    expect(parseIsoInstantMillis("0042-01-01T00:00:00Z")).toBe(new Date("0042-01-01T00:00:00Z").getTime())
  })
})
