import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { ApiTokenId, parseApiTokenId } from "../src/index.js"

const canonical = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const randomCase = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((flags) =>
    [...s].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join("")
  )

describe("ApiTokenId", () => {
  it.prop("accepts any UUID in any case and normalizes to lowercase", [fc.uuid().chain(randomCase)], ([input]) => {
    const parsed = parseApiTokenId(input)
    expect(parsed).toEqual(Either.right(input.toLowerCase()))
    expect(Schema.is(ApiTokenId)(input.toLowerCase())).toBe(true)
  })

  // The full generator of near misses lives in @deepset-tokens/testing (Arbitraries.nonUuidString), whose
  // tests run it against parseApiTokenId; here, random text.
  it.prop("refuses everything else with a reason", [fc.string().filter((s) => !canonical.test(s))], ([input]) => {
    const parsed = parseApiTokenId(input)
    expect(Either.isLeft(parsed)).toBe(true)
    if (Either.isLeft(parsed)) expect(parsed.left.length).toBeGreaterThan(0)
  })
})
