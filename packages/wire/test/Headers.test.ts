import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { declaredLength, isIdentity } from "../src/index.js"

describe("declaredLength", () => {
  it("reads any non-negative safe integer, with the whitespace HTTP allows around it", () => {
    fc.assert(fc.property(fc.maxSafeNat(), fc.constantFrom("", " ", "\t"), (n, pad) => {
      expect(declaredLength(String(n))).toBe(n)
      expect(declaredLength(`${pad}${n}${pad}`)).toBe(n)
    }))
  })

  it("refuses what does not bound the body: absent, empty, negative, fractional, unsafe or not a number", () => {
    fc.assert(fc.property(
      fc.oneof(
        fc.constantFrom(undefined, null, "", " ", "-1", "1.5", "9007199254740993", "1e400", "NaN", "Infinity"),
        fc.integer({ min: -1_000_000, max: -1 }).map(String),
        fc.string().filter((s) =>
          !/^\s*\d+(\.0*)?\s*$/.test(s) && !/^\s*(0x|0b|0o)/i.test(s) && !/^\s*\d*\.?\d+e/i.test(s)
        )
      ),
      (value) => {
        expect(declaredLength(value)).toBeUndefined()
      }
    ))
  })
})

describe("isIdentity", () => {
  it("is true only for no encoding or identity, in any case and padding", () => {
    expect(isIdentity(undefined)).toBe(true)
    expect(isIdentity(null)).toBe(true)
    fc.assert(fc.property(
      fc.constantFrom("identity", "IDENTITY", "Identity"),
      fc.constantFrom("", " ", "\t"),
      (name, pad) => {
        expect(isIdentity(`${pad}${name}${pad}`)).toBe(true)
      }
    ))
    fc.assert(fc.property(
      fc.oneof(fc.constantFrom("gzip", "br", "deflate", "gzip, identity", ""), fc.string()).filter((s) =>
        !/^\s*identity\s*$/i.test(s)
      ),
      (value) => {
        expect(isIdentity(value)).toBe(false)
      }
    ))
  })
})
