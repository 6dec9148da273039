import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { describeError } from "../src/index.js"

const message = fc.stringMatching(/^[a-z ]{1,20}$/)
const code = fc.option(fc.stringMatching(/^E[A-Z]{3,10}$/), { nil: undefined })

const chain = (links: ReadonlyArray<readonly [string, string | undefined]>): unknown =>
  links.reduceRight<unknown>(
    (cause, [text, errno]) => Object.assign(new Error(text, { cause }), errno === undefined ? {} : { code: errno }),
    undefined
  )

describe("describeError", () => {
  it("joins the first four messages of a cause chain, each with an errno code it does not already say", () => {
    fc.assert(fc.property(fc.array(fc.tuple(message, code), { minLength: 1, maxLength: 7 }), (links) => {
      const expected = links.slice(0, 4).map(([text, errno]) => errno === undefined ? text : `${text} (${errno})`)
      expect(describeError(chain(links))).toBe(expected.join(": "))
    }))
  })

  it("does not repeat a code the message already names", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })
    expect(describeError(new Error("fetch failed", { cause: refused }))).toBe(
      "fetch failed: connect ECONNREFUSED 127.0.0.1:1"
    )
  })

  it("is empty for anything that is not an Error, and stops at the first non-Error cause", () => {
    fc.assert(fc.property(fc.anything().filter((u) => !(u instanceof Error)), (value) => {
      expect(describeError(value)).toBe("")
      expect(describeError(new Error("outer", { cause: value }))).toBe("outer")
    }))
  })
})
