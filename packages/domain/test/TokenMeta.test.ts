import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Duration, Either, FastCheck as fc, ParseResult, Schema } from "effect"
import { decodeTokenMeta, expiresWithin, grantsWorkspace, isExpiredAt, TokenMeta } from "../src/index.js"

const decode = Schema.decodeUnknownEither(TokenMeta)
const encode = Schema.encodeSync(TokenMeta)
const equivalent = Schema.equivalence(TokenMeta)

const wire = {
  all_workspaces: false,
  api_token_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
  expires: true,
  expires_at: "2026-12-01T10:00:00.000Z",
  masked_token: "api_****wxyz",
  name: "ci-pipeline",
  organization_role: "MEMBER",
  personal: false,
  role: "MEMBER",
  user: { given_name: "Ada", family_name: "Lovelace" },
  workspaces: [{ name: "production" }]
}

const firstIssue = (input: unknown) =>
  Either.match(decode(input), {
    onLeft: (error) => ParseResult.ArrayFormatter.formatErrorSync(error)[0],
    onRight: () => undefined
  })

const tokenMeta = Arbitrary.make(TokenMeta)

describe("TokenMeta decoding", () => {
  it("decodes the documented shape", () => {
    const result = Schema.decodeUnknownSync(TokenMeta)(wire)
    expect(result.name).toBe("ci-pipeline")
    expect(DateTime.formatIso(result.expires_at!)).toBe("2026-12-01T10:00:00.000Z")
  })

  it("all_workspaces defaults to false when absent", () => {
    const { all_workspaces: _, ...rest } = wire
    expect(Schema.decodeUnknownSync(TokenMeta)(rest).all_workspaces).toBe(false)
  })

  it("expires_at may be null but must be present", () => {
    expect(Schema.decodeUnknownSync(TokenMeta)({ ...wire, expires_at: null }).expires_at).toBeNull()
    const { expires_at: _, ...rest } = wire
    expect(firstIssue(rest)).toMatchObject({ path: ["expires_at"], message: "is missing" })
  })

  it("ignores unknown fields (the API grows)", () => {
    const result = Schema.decodeUnknownSync(TokenMeta)({ ...wire, brand_new_field: { nested: true } })
    expect(Object.keys(result)).not.toContain("brand_new_field")
  })

  it.prop(
    "every required key, when missing, is named in the error",
    [fc.constantFrom(...Object.keys(wire).filter((k) => k !== "all_workspaces"))],
    ([key]) => {
      const input: Record<string, unknown> = { ...wire }
      delete input[key]
      expect(firstIssue(input)?.path).toEqual([key])
    }
  )

  it.prop(
    "a wrong type anywhere is named by its full path",
    [fc.constantFrom(
      [["expires"], { ...wire, expires: "yes" }],
      [["user", "family_name"], { ...wire, user: { given_name: "Ada" } }],
      [["workspaces", 0, "name"], { ...wire, workspaces: [{ name: 7 }] }],
      [["organization_role"], { ...wire, organization_role: "OWNER" }],
      [["api_token_id"], { ...wire, api_token_id: "not-a-uuid" }],
      [["expires_at"], { ...wire, expires_at: "tomorrow" }],
      [["all_workspaces"], { ...wire, all_workspaces: null }]
    )],
    ([[path, input]]) => {
      expect(firstIssue(input)?.path).toEqual(path)
    }
  )

  it.prop("encode then decode gives back an equivalent value", [tokenMeta], ([token]) => {
    const roundTripped = Schema.decodeUnknownSync(TokenMeta)(JSON.parse(JSON.stringify(encode(token))))
    expect(equivalent(token, roundTripped)).toBe(true)
  })

  it.prop("encoded expires_at is ISO with Z, or null", [tokenMeta], ([token]) => {
    const out = encode(token).expires_at
    if (out !== null) expect(out).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })
})

describe("TokenMeta helpers", () => {
  const at = (millis: number) => DateTime.unsafeMake(millis)
  const instant = fc.integer({ min: 0, max: 4_000_000_000_000 })

  it.prop("a token that does not expire is never expired", [tokenMeta, instant], ([token, now]) => {
    expect(isExpiredAt({ ...token, expires: false }, at(now))).toBe(false)
    expect(isExpiredAt({ ...token, expires_at: null }, at(now))).toBe(false)
    expect(expiresWithin({ ...token, expires: false }, Duration.days(36500), at(now))).toBe(false)
  })

  it.prop(
    "an expiring token is expired exactly from expires_at on",
    [tokenMeta, instant, instant],
    ([token, e, now]) => {
      const t = { ...token, expires: true, expires_at: at(e) }
      expect(isExpiredAt(t, at(now))).toBe(now >= e)
    }
  )

  it.prop(
    "expiresWithin(window) holds exactly when expires_at - now <= window",
    [tokenMeta, instant, instant, fc.integer({ min: 0, max: 10 ** 10 })],
    ([token, e, now, window]) => {
      const t = { ...token, expires: true, expires_at: at(e) }
      expect(expiresWithin(t, Duration.millis(window), at(now))).toBe(e - now <= window)
      // Expired implies "expires within any window"; the data-last form agrees.
      if (isExpiredAt(t, at(now))) expect(expiresWithin(Duration.zero, at(now))(t)).toBe(true)
    }
  )

  it.prop("all_workspaces grants every workspace", [tokenMeta, fc.string()], ([token, ws]) => {
    expect(grantsWorkspace({ ...token, all_workspaces: true }, ws)).toBe(true)
  })

  it.prop(
    "otherwise only listed workspaces are granted",
    [tokenMeta, fc.string()],
    ([token, ws]) => {
      const t = { ...token, all_workspaces: false }
      expect(grantsWorkspace(t, ws)).toBe(t.workspaces.some((w) => w.name === ws))
      const listed = t.workspaces[0]
      if (listed !== undefined) expect(grantsWorkspace(listed.name)(t)).toBe(true)
    }
  )
})

describe("decodeTokenMeta (the fast path) gives exactly what the schema gives", () => {
  // Valid wire values, sometimes without all_workspaces, with unknown keys added.
  const validWire = fc.tuple(tokenMeta, fc.boolean(), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }))
    .map(([token, dropDefault, extra]) => {
      const { all_workspaces, ...rest } = encode(token)
      return { ...extra, ...rest, ...(dropDefault ? {} : { all_workspaces }) } as Record<string, unknown>
    })

  const keys = Object.keys(wire)
  const nestedPaths = [["user", "given_name"], ["user", "family_name"], ["workspaces", 0, "name"]] as const
  // One change to a valid value: a key dropped or replaced by any JSON value, a nested field broken, the
  // date or id made nearly right. Many of these stay valid; all of them must agree with the schema.
  const mutation = fc.oneof(
    fc.record({ _tag: fc.constant("drop" as const), key: fc.constantFrom(...keys) }),
    fc.record({ _tag: fc.constant("set" as const), key: fc.constantFrom(...keys), value: fc.jsonValue() }),
    fc.record({
      _tag: fc.constant("setNested" as const),
      path: fc.constantFrom(...nestedPaths),
      value: fc.jsonValue()
    }),
    fc.record({
      _tag: fc.constant("set" as const),
      key: fc.constant("expires_at"),
      value: fc.oneof(
        fc.constantFrom(
          "2024-02-30T00:00:00Z",
          "2024-02-29T23:59:60Z",
          "2025-01-31T12:00:00",
          "0001-01-01T00:00:00.000000001+23:59",
          "2025-01-31t12:00:00.5z",
          null
        ),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
      )
    }),
    fc.record({
      _tag: fc.constant("set" as const),
      key: fc.constant("api_token_id"),
      value: fc.oneof(fc.uuid().map((u) => u.toUpperCase()), fc.uuid().map((u) => ` ${u}`), fc.uuid())
    }),
    fc.record({
      _tag: fc.constant("set" as const),
      key: fc.constant("organization_role"),
      value: fc.oneof(fc.constantFrom("admin", "Admin", "OWNER", "ADMIN ", "MEMBER"), fc.string({ maxLength: 2 }))
    }),
    fc.record({ _tag: fc.constant("set" as const), key: fc.constant("user"), value: fc.constant([]) })
  )

  const apply = (value: Record<string, unknown>, m: typeof mutation extends fc.Arbitrary<infer M> ? M : never) => {
    const copy: Record<string, unknown> = structuredClone(value)
    switch (m._tag) {
      case "drop":
        delete copy[m.key]
        return copy
      case "set":
        copy[m.key] = m.value
        return copy
      case "setNested": {
        let target: unknown = copy
        for (const part of m.path.slice(0, -1)) target = (target as Record<string | number, unknown>)?.[part]
        if (typeof target === "object" && target !== null) {
          ;(target as Record<string | number, unknown>)[m.path[m.path.length - 1]!] = m.value
        }
        return copy
      }
    }
  }

  const agree = (input: unknown) => {
    const fast = decodeTokenMeta(input)
    const slow = decode(input)
    expect(Either.isRight(fast)).toBe(Either.isRight(slow))
    if (Either.isRight(fast) && Either.isRight(slow)) {
      expect(fast.right).toStrictEqual(slow.right)
      expect(equivalent(fast.right, slow.right)).toBe(true)
      // Key order too: a caller printing the token as JSON sees the same text.
      expect(JSON.stringify(encode(fast.right))).toBe(JSON.stringify(encode(slow.right)))
      expect(Object.keys(fast.right)).toEqual(Object.keys(slow.right))
      expect(Object.keys(fast.right.user)).toEqual(Object.keys(slow.right.user))
    }
    if (Either.isLeft(fast) && Either.isLeft(slow)) expect(fast.left.message).toBe(slow.left.message)
    return Either.isRight(fast)
  }

  it.prop("on valid values", [validWire], ([input]) => {
    expect(agree(input)).toBe(true)
  })

  it.prop("on values one change away from valid", [validWire, mutation], ([input, m]) => {
    agree(apply(input, m))
  }, { fastCheck: { numRuns: 2000 } })

  it.prop("on any JSON value", [fc.jsonValue()], ([input]) => {
    agree(input)
  })

  it("both paths are exercised by the generated changes", () => {
    const results = fc.sample(fc.tuple(validWire, mutation), { numRuns: 500, seed: 7 })
      .map(([input, m]) => Either.isRight(decodeTokenMeta(apply(input, m))))
    expect(results.filter(Boolean).length).toBeGreaterThan(50)
    expect(results.filter((ok) => !ok).length).toBeGreaterThan(50)
  })
})
