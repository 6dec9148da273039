/**
 * `check`'s plain rules, on listed and generated inputs.
 */
import { Arbitraries } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { CheckRules } from "../src/index.js"

const unitMillis = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
const unit = fc.constantFrom(...(Object.keys(unitMillis) as Array<keyof typeof unitMillis>))

describe("CheckRules", () => {
  it.effect.prop(
    "--valid-for: a sum of whole numbers with units is its milliseconds, up to 3650d",
    [fc.array(fc.tuple(fc.integer({ min: 0, max: 999_999 }), unit), { minLength: 1, maxLength: 4 })],
    ([parts]) =>
      Effect.sync(() => {
        const text = parts.map(([n, u]) => `${n}${u}`).join("")
        const millis = parts.reduce((sum, [n, u]) => sum + n * unitMillis[u], 0)
        const parsed = CheckRules.parseValidFor(text)
        if (millis <= CheckRules.maxValidForMillis) expect(parsed).toEqual({ ok: true, value: millis })
        else expect(parsed).toMatchObject({ ok: false, reason: expect.stringContaining("--valid-for must be at most") })
      })
  )

  it.effect("--valid-for refuses what is not a duration, naming the flag", () =>
    Effect.sync(() => {
      for (const text of ["", "14", "d", "14 d", " 14d", "-1d", "1.5d", "14D", "14days", "1d 2h", "1y", "1234567d"]) {
        const parsed = CheckRules.parseValidFor(text)
        expect(parsed.ok, text).toBe(false)
        if (!parsed.ok) expect(parsed.reason).toMatch(/^--valid-for must be/)
      }
      expect(CheckRules.parseValidFor("14d")).toEqual({ ok: true, value: 14 * 86_400_000 })
      expect(CheckRules.parseValidFor("1d12h")).toEqual({ ok: true, value: 36 * 3_600_000 })
    }))

  it.effect.prop(
    "roles: ADMIN > MEMBER > EXTERNAL, a total order; an unknown role never passes",
    [Arbitraries.organizationRole, Arbitraries.organizationRole, fc.string()],
    ([role, minimum, other]) =>
      Effect.sync(() => {
        const rank = { ADMIN: 3, MEMBER: 2, EXTERNAL: 1 }
        expect(CheckRules.roleAtLeast(role, minimum)).toBe(rank[role] >= rank[minimum])
        if (!(other in rank)) expect(CheckRules.roleAtLeast(other, minimum)).toBe(false)
        expect(CheckRules.parseRole(role.toLowerCase())).toEqual({ ok: true, value: role })
      })
  )

  it.effect("--role, --concurrency and --workspace refuse bad values, naming the flag", () =>
    Effect.sync(() => {
      expect(CheckRules.parseRole("OWNER")).toMatchObject({ ok: false, reason: expect.stringMatching(/^--role/) })
      for (const n of [0, -1, 65, 1.5, Number.NaN]) {
        expect(CheckRules.parseConcurrency(n)).toMatchObject({
          ok: false,
          reason: expect.stringMatching(/^--concurrency/)
        })
      }
      expect(CheckRules.parseConcurrency(1)).toEqual({ ok: true, value: 1 })
      expect(CheckRules.parseConcurrency(64)).toEqual({ ok: true, value: 64 })
      expect(CheckRules.parseWorkspace(" ")).toMatchObject({ ok: false, reason: expect.stringMatching(/^--workspace/) })
    }))

  it.effect.prop(
    "an id file: one id per line, blank lines and # comments ignored, line numbers kept",
    [
      fc.array(
        fc.oneof(
          Arbitraries.apiTokenId.map((id) => ({ id: id as string | undefined, text: id })),
          Arbitraries.apiTokenId.map((id) => ({ id: id as string | undefined, text: `  ${id}\t# prod` })),
          fc.constantFrom("", "   ", "# a comment", "  #", "\t").map((text) => ({ id: undefined, text }))
        ),
        { maxLength: 20 }
      ),
      fc.constantFrom("\n", "\r\n"),
      fc.boolean()
    ],
    ([lines, eol, bom]) =>
      Effect.sync(() => {
        const text = (bom ? "\uFEFF" : "") + lines.map((l) => l.text).join(eol) + eol
        const expected = lines.flatMap((l, index) => l.id === undefined ? [] : [{ id: l.id, line: index + 1 }])
        expect(CheckRules.parseIdFile(text)).toEqual(expected)
      })
  )

  it.effect("the table pads every column but the last, and keeps each row on one line", () =>
    Effect.sync(() => {
      expect(CheckRules.table(["A", "BB"], [["xyz", "1"], ["a\nb", "2\r"]])).toBe("A    BB\nxyz  1\na b  2")
    }))
})
