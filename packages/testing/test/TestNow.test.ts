import { isExpiredAt } from "@deepset-tokens/domain"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Fiber, TestClock } from "effect"
import { Arbitraries, TestNow } from "../src/index.js"

describe("TestNow", () => {
  it.effect("the TestClock starts at 1970, which is why TestNow exists", () =>
    Effect.gen(function*() {
      expect(DateTime.toEpochMillis(yield* DateTime.now)).toBe(0)
    }))

  it.effect.prop(
    "setTo puts DateTime.now at the instant, whichever form it is given in",
    [Arbitraries.realisticTokenMeta().map((t) => t.expires_at).filter((at) => at !== null)],
    ([instant]) =>
      Effect.gen(function*() {
        const millis = DateTime.toEpochMillis(instant)
        for (const form of [instant, new Date(millis), millis]) {
          yield* TestNow.setTo(form)
          expect(DateTime.toEpochMillis(yield* DateTime.now)).toBe(millis)
        }
      }),
    { fastCheck: { numRuns: 30 } }
  )

  it.effect.prop(
    "at the reference instant, realistic tokens are expired exactly when their expiry has passed",
    [Arbitraries.realisticTokenMeta()],
    ([token]) =>
      Effect.gen(function*() {
        yield* TestNow.setTo(TestNow.reference)
        const now = yield* DateTime.now
        const passed = token.expires_at !== null && DateTime.lessThanOrEqualTo(token.expires_at, now)
        expect(isExpiredAt(token, now)).toBe(passed)
      }),
    { fastCheck: { numRuns: 50 } }
  )

  it.effect("setToWallClock moves the clock to today and returns that instant", () =>
    Effect.gen(function*() {
      const before = Date.now()
      const set = yield* TestNow.setToWallClock
      const now = yield* DateTime.now
      expect(DateTime.toEpochMillis(now)).toBe(DateTime.toEpochMillis(set))
      expect(DateTime.toEpochMillis(set)).toBeGreaterThanOrEqual(before)
      expect(DateTime.toEpochMillis(set)).toBeLessThanOrEqual(Date.now())
    }))

  it.effect("layer sets the test's clock; time still moves only with TestClock.adjust", () =>
    Effect.gen(function*() {
      const start = yield* DateTime.now
      expect(DateTime.formatIso(start)).toBe("2026-01-01T00:00:00.000Z")
      const sleeper = yield* Effect.fork(Effect.sleep(Duration.hours(1)))
      yield* TestClock.adjust(Duration.hours(1))
      yield* Fiber.join(sleeper)
      expect(DateTime.formatIso(yield* DateTime.now)).toBe("2026-01-01T01:00:00.000Z")
    }).pipe(Effect.provide(TestNow.layer())))
})
