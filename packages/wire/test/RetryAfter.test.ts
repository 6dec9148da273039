import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type HeaderLookup, parseRetryAfterMillis } from "../src/index.js"

const headers = (values: Record<string, string>): HeaderLookup => (name) => values[name]
const now = fc.integer({ min: 0, max: 4_102_444_800_000 })
const pad = fc.constantFrom("", " ", "  ")
const garbage = fc.oneof(
  fc.constantFrom("-1", "1.5", "soon", "", "1e3", "Wed, 21 Oct 2015 07:28:00 UTC", "0x10"),
  fc.string().filter((s) => !/^\s*\d+\s*$/.test(s) && !/GMT/.test(s))
)
// retry-after-ms takes fractions, so "1.5" is no garbage there.
const msGarbage = garbage.filter((s) => !/^\s*\d+(\.\d+)?\s*$/.test(s))

describe("parseRetryAfterMillis", () => {
  it("reads delta-seconds as milliseconds, 0 included", () => {
    fc.assert(fc.property(fc.nat(10_000_000), now, pad, (seconds, at, space) => {
      expect(parseRetryAfterMillis(headers({ "retry-after": `${space}${seconds}${space}` }), at)).toBe(seconds * 1000)
    }))
  })

  it("prefers retry-after-ms, fractions allowed, over Retry-After", () => {
    fc.assert(fc.property(fc.nat(1_000_000), fc.nat(999), fc.nat(1000), now, (whole, fraction, seconds, at) => {
      const ms = `${whole}.${fraction}`
      expect(parseRetryAfterMillis(headers({ "retry-after-ms": ms, "retry-after": String(seconds) }), at)).toBe(
        Number(ms)
      )
    }))
  })

  it("falls back to Retry-After when retry-after-ms is unreadable", () => {
    fc.assert(fc.property(msGarbage, fc.nat(1000), now, (bad, seconds, at) => {
      expect(parseRetryAfterMillis(headers({ "retry-after-ms": bad, "retry-after": String(seconds) }), at)).toBe(
        seconds * 1000
      )
    }))
  })

  it("reads an IMF-fixdate as the time left until it, and a past date as no wait", () => {
    fc.assert(fc.property(now, fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (at, delta) => {
      const date = new Date(Math.floor((at + delta) / 1000) * 1000)
      const expected = Math.max(0, date.getTime() - at)
      expect(parseRetryAfterMillis(headers({ "retry-after": date.toUTCString() }), at)).toBe(expected)
    }))
  })

  it("ignores what is absent, negative, fractional seconds or garbage", () => {
    fc.assert(fc.property(garbage, now, (bad, at) => {
      expect(parseRetryAfterMillis(headers({ "retry-after": bad }), at)).toBeUndefined()
    }))
    expect(parseRetryAfterMillis(headers({}), 0)).toBeUndefined()
    expect(parseRetryAfterMillis(headers({ "retry-after": "9".repeat(400) }), 0)).toBeUndefined()
  })
})
