import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { checkTokenMetaShape } from "../src/index.js"

const keys = [
  "all_workspaces",
  "api_token_id",
  "expires",
  "expires_at",
  "masked_token",
  "name",
  "organization_role",
  "personal",
  "role",
  "user",
  "workspaces"
] as const
const keyNames: ReadonlyArray<string> = keys

const date = fc.date({
  min: new Date("1970-01-01T00:00:00.000Z"),
  max: new Date("2199-12-31T23:59:59.999Z"),
  noInvalidDate: true
})

const wire = fc.record({
  all_workspaces: fc.boolean(),
  api_token_id: fc.uuid().map((id) => id.toUpperCase()).chain((id) => fc.constantFrom(id, id.toLowerCase())),
  expires: fc.boolean(),
  expires_at: fc.option(date.map((d) => d.toISOString()), { nil: null }),
  masked_token: fc.string(),
  name: fc.string(),
  organization_role: fc.constantFrom("ADMIN", "MEMBER", "EXTERNAL"),
  personal: fc.boolean(),
  role: fc.string(),
  user: fc.record({ given_name: fc.string(), family_name: fc.string() }),
  workspaces: fc.array(fc.record({ name: fc.string() }), { maxLength: 4 })
}, { requiredKeys: keys.filter((k): k is Exclude<typeof k, "all_workspaces"> => k !== "all_workspaces") })

/** The same value with its keys in a generated order, plus unknown keys. */
const shuffled = (value: Record<string, unknown>) =>
  fc.tuple(
    fc.shuffledSubarray(Object.keys(value), { minLength: Object.keys(value).length }),
    fc.dictionary(
      fc.string().filter((k) => !keyNames.includes(k) && k !== "__proto__"),
      fc.jsonValue(),
      { maxKeys: 3 }
    )
  ).map(([order, extra]) => ({ ...extra, ...Object.fromEntries(order.map((k) => [k, value[k]])) }))

const millis = (epoch: number) => ({ epoch })

describe("checkTokenMetaShape", () => {
  it("builds a valid value in the schema's key order, unknown keys dropped and all_workspaces defaulted", () => {
    fc.assert(fc.property(wire.chain((w) => fc.tuple(fc.constant(w), shuffled(w))), ([value, input]) => {
      const shape = checkTokenMetaShape(input, millis)
      expect(shape).toBeDefined()
      expect(Object.keys(shape!)).toEqual(keys)
      expect(shape).toEqual({
        ...value,
        all_workspaces: value.all_workspaces ?? false,
        expires_at: value.expires_at === null ? null : { epoch: Date.parse(value.expires_at) }
      })
    }))
  })

  it("copies the nested objects it keeps, so none of the input's extra keys ride along", () => {
    fc.assert(fc.property(wire, (value) => {
      const input = {
        ...value,
        user: { ...value.user, extra: 1 },
        workspaces: value.workspaces.map((w) => ({ ...w, extra: 1 }))
      }
      const shape = checkTokenMetaShape(input, millis)!
      expect(shape.user).toEqual(value.user)
      expect(shape.workspaces).toEqual(value.workspaces)
    }))
  })

  it("cannot vouch for a value with any field of the wrong kind", () => {
    const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant({}))
    const notBoolean = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant(undefined), fc.constant([]))
    const notObject = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant(undefined), fc.constant([]))
    // Each: where, and values the schema refuses there.
    const corruptions: ReadonlyArray<readonly [ReadonlyArray<string | number>, fc.Arbitrary<unknown>]> = [
      [["api_token_id"], notString],
      [["expires"], notBoolean],
      [["personal"], notBoolean],
      [["all_workspaces"], fc.oneof(fc.integer(), fc.string(), fc.constant(null))],
      [["expires_at"], fc.oneof(fc.integer(), fc.boolean(), fc.constant(undefined), fc.constant({}))],
      [["masked_token"], notString],
      [["name"], notString],
      [["role"], notString],
      [["organization_role"], notString],
      [["user"], notObject],
      [["user", "given_name"], notString],
      [["user", "family_name"], notString],
      [["workspaces"], fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant({}))],
      [["workspaces", 0], notObject],
      [["workspaces", 0, "name"], notString]
    ]
    fc.assert(fc.property(
      wire,
      fc.constantFrom(...corruptions).chain(([path, bad]) => fc.tuple(fc.constant(path), bad)),
      (value, [path, bad]) => {
        const input: Record<string | number, unknown> = structuredClone({ ...value, workspaces: [{ name: "w" }] })
        let at = input
        for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>
        at[path.at(-1)!] = bad
        expect(checkTokenMetaShape(input, millis)).toBeUndefined()
      }
    ))
  })

  it("cannot vouch for an id that is not a UUID, an unknown role or an instant that is not strict ISO 8601", () => {
    fc.assert(fc.property(
      wire,
      fc.oneof(
        fc.record({ api_token_id: fc.string().filter((s) => !/^[0-9a-f-]{36}$/i.test(s)) }),
        fc.record({ organization_role: fc.string().filter((s) => !["ADMIN", "MEMBER", "EXTERNAL"].includes(s)) }),
        fc.record({ expires_at: fc.constantFrom("2024-02-30T00:00:00Z", "2024-01-01", "2024-01-01T00:00:00", "soon") })
      ),
      (value, patch) => {
        expect(checkTokenMetaShape({ ...value, ...patch }, millis)).toBeUndefined()
      }
    ))
  })

  it("is undefined for anything that is not an object", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue().filter((v) => typeof v !== "object" || v === null), fc.array(fc.anything())),
        (input) => {
          expect(checkTokenMetaShape(input, millis)).toBeUndefined()
        }
      )
    )
  })
})
