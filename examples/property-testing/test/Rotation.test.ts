import { expiresWithin, isExpiredAt, type TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, TestNow } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, FastCheck as fc } from "effect"
import { type Policy, reasonFor, rotationPlan } from "../src/Rotation.js"

const now = TestNow.reference
// Tokens that look like deepset's, expiring within a year either side of `now`, or never.
const tokens = fc.array(Arbitraries.realisticTokenMeta(now), { maxLength: 25 })
const policy: fc.Arbitrary<Policy> = fc.record({
  rotateWithin: fc.integer({ min: 0, max: 90 }).map(Duration.days),
  adminsMustExpire: fc.boolean()
})
const ids = (plan: ReadonlyArray<{ readonly token: TokenMeta }>) => plan.map((r) => r.token.api_token_id)

describe("rotationPlan", () => {
  it.prop("holds exactly the tokens that need rotating, each with the right reason", [tokens, policy], ([all, p]) => {
    const plan = rotationPlan(all, now, p)
    for (const token of all) {
      const entry = plan.find((r) => r.token === token)
      const expected = isExpiredAt(token, now)
        ? "expired"
        : expiresWithin(token, p.rotateWithin, now)
        ? "expires-soon"
        : p.adminsMustExpire && token.organization_role === "ADMIN" && token.expires_at === null
        ? "admin-never-expires"
        : undefined
      expect(entry?.reason).toBe(expected)
    }
    expect(plan.length).toBe(all.filter((t) => reasonFor(t, now, p) !== undefined).length)
  })

  it.prop("is ordered by urgency: reason first, then the earliest expiry", [tokens, policy], ([all, p]) => {
    const plan = rotationPlan(all, now, p)
    const rank = { "expired": 0, "expires-soon": 1, "admin-never-expires": 2 }
    for (let i = 1; i < plan.length; i++) {
      const [a, b] = [plan[i - 1]!, plan[i]!]
      expect(rank[a.reason]).toBeLessThanOrEqual(rank[b.reason])
      if (a.reason === b.reason && a.token.expires_at !== null && b.token.expires_at !== null) {
        expect(DateTime.lessThanOrEqualTo(a.token.expires_at, b.token.expires_at)).toBe(true)
      }
    }
  })

  it.prop("does not depend on the order of its input", [tokens, policy], ([all, p]) => {
    expect(ids(rotationPlan([...all].reverse(), now, p))).toEqual(ids(rotationPlan(all, now, p)))
  })

  // Metamorphic properties: how the plan must change when the inputs do, without restating the rules.
  it.prop(
    "a wider window, or a later now, never drops a token from the plan",
    [tokens, policy, fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 400 })],
    ([all, p, widerBy, daysLater]) => {
      const plan = new Set(ids(rotationPlan(all, now, p)))
      const wider = { ...p, rotateWithin: Duration.sum(p.rotateWithin, Duration.days(widerBy)) }
      const later = DateTime.add(now, { days: daysLater })
      for (const id of plan) {
        expect(ids(rotationPlan(all, now, wider))).toContain(id)
        expect(ids(rotationPlan(all, later, p))).toContain(id)
      }
    }
  )

  it.prop(
    "never throws on any token the schema allows, edge cases included",
    [fc.array(Arbitraries.tokenMeta, { maxLength: 10 }), policy],
    ([all, p]) => {
      const plan = rotationPlan(all, now, p)
      // A token that says it does not expire is never "expired", whatever its expires_at says.
      for (const r of plan) if (!r.token.expires) expect(r.reason).toBe("admin-never-expires")
    }
  )
})
