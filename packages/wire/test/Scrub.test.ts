import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { excerpt, excerptLimit, isClean, makeScrub } from "../src/index.js"

// API keys are tokens of letters, digits and a few separators: a replacement can never complete one.
const secret = fc.stringMatching(/^[A-Za-z0-9_.-]{8,40}$/)
const around = fc.string({ maxLength: 40 })

/** `text` with `secret` spliced in `times` times at generated places. */
const carrying = fc.tuple(secret, fc.array(around, { minLength: 2, maxLength: 5 })).map(([key, parts]) => ({
  key,
  text: parts.join(key)
}))

describe("makeScrub", () => {
  it("leaves no occurrence of the key, and marks where it was", () => {
    fc.assert(fc.property(carrying, ({ key, text }) => {
      const clean = makeScrub(key)(text)
      expect(clean).not.toContain(key)
      expect(clean).toContain("[redacted]")
    }))
  })

  it("returns text without the key unchanged, and scrubs nothing for an empty key", () => {
    fc.assert(fc.property(secret, around, (key, text) => {
      fc.pre(!text.includes(key))
      expect(makeScrub(key)(text)).toBe(text)
      expect(makeScrub("")(text)).toBe(text)
    }))
  })
})

describe("excerpt", () => {
  it("is scrubbed before it is cut, so no prefix of the key survives the cut either", () => {
    fc.assert(fc.property(carrying, fc.integer({ min: 1, max: 80 }), ({ key, text }, limit) => {
      const out = excerpt(makeScrub(key), text, limit)
      expect(out).not.toContain(key)
      expect(out.length).toBeLessThanOrEqual(limit + 1)
    }))
  })

  it("keeps short text whole and cuts long text at the default limit with an ellipsis", () => {
    fc.assert(fc.property(fc.string({ maxLength: excerptLimit }), (text) => {
      expect(excerpt(makeScrub(""), text)).toBe(text)
    }))
    fc.assert(fc.property(fc.string({ minLength: excerptLimit + 1, maxLength: 2000 }), (text) => {
      expect(excerpt(makeScrub(""), text)).toBe(`${text.slice(0, excerptLimit)}…`)
    }))
  })
})

describe("isClean", () => {
  it("is false exactly when the value's JSON carries the key", () => {
    fc.assert(fc.property(secret, fc.jsonValue(), (key, value) => {
      expect(isClean(makeScrub(key), value)).toBe(!JSON.stringify(value).includes(key))
      expect(isClean(makeScrub(key), { nested: [value, `x${key}y`] })).toBe(false)
    }))
    expect(isClean(makeScrub("k"), undefined)).toBe(true)
  })
})
