import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { ApiTokenId, parseApiTokenId } from "../src/index.js"

const canonical = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const randomCase = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((flags) =>
    [...s].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join("")
  )

/** Strings that are not a canonical UUID: random text, and near misses built from real UUIDs. */
export const nonUuid = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom("", "..", ".", "/", "a/b", " ", "\n", "%2e%2e", "../../admin", "x".repeat(10_000)),
  fc.uuid().chain((u) =>
    fc.oneof(
      fc.constant(` ${u}`),
      fc.constant(`${u}\n`),
      fc.constant(`{${u}}`),
      fc.constant(`urn:uuid:${u}`),
      fc.constant(u.replaceAll("-", "")),
      fc.constant(`${u}/..`),
      fc.constant(u.slice(1)),
      fc.constant(`${u}0`),
      fc.integer({ min: 0, max: 35 }).map((i) => `${u.slice(0, i)}g${u.slice(i + 1)}`)
    )
  )
).filter((s) => !canonical.test(s))

describe("ApiTokenId", () => {
  it.prop("accepts any UUID in any case and normalizes to lowercase", [fc.uuid().chain(randomCase)], ([input]) => {
    const parsed = parseApiTokenId(input)
    expect(parsed).toEqual(Either.right(input.toLowerCase()))
    expect(Schema.is(ApiTokenId)(input.toLowerCase())).toBe(true)
  })

  it.prop("refuses everything else with a reason", [nonUuid], ([input]) => {
    const parsed = parseApiTokenId(input)
    expect(Either.isLeft(parsed)).toBe(true)
    if (Either.isLeft(parsed)) expect(parsed.left.length).toBeGreaterThan(0)
  })
})
