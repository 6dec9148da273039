/**
 * Where "now" is in a test. Inside `it.effect` the `TestClock` starts at 0, 1970-01-01: `DateTime.now`
 * then returns 1970, and `isExpiredAt(token, now)` calls every token with a realistic expiry valid. Set the
 * clock first, to a fixed instant (reproducible) or to the wall clock (what production sees).
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"

/**
 * 2026-01-01T00:00:00Z: the instant `Arbitraries.realisticTokenMeta()` is relative to by default. Set the
 * `TestClock` here and those tokens are expired, valid or expiring soon as their `expires_at` says.
 *
 * @category constants
 * @since 0.1.0
 */
export const reference: DateTime.Utc = DateTime.unsafeMake(Date.UTC(2026, 0, 1))

/**
 * Sets the `TestClock` to `instant`. Sleeps due by then run, as with `TestClock.setTime`.
 *
 * @example
 * ```ts
 * import { isExpiredAt, type TokenMeta } from "@deepset-tokens/domain"
 * import { TestNow } from "@deepset-tokens/testing"
 * import { expect, it } from "@effect/vitest"
 * import { DateTime, Effect } from "effect"
 *
 * declare const expiredLastYear: TokenMeta
 *
 * it.effect("sees the token as expired", () =>
 *   Effect.gen(function*() {
 *     yield* TestNow.setTo(TestNow.reference)
 *     const now = yield* DateTime.now // 2026-01-01, not 1970
 *     expect(isExpiredAt(expiredLastYear, now)).toBe(true)
 *   }))
 * ```
 *
 * @category test clock
 * @since 0.1.0
 */
export const setTo = (instant: DateTime.DateTime | Date | number): Effect.Effect<void> =>
  TestClock.setTime(
    typeof instant === "number"
      ? instant
      : instant instanceof Date
      ? instant.getTime()
      : DateTime.toEpochMillis(instant)
  )

/**
 * Sets the `TestClock` to the wall clock's time (read once, now) and returns that instant. Tests then see
 * today's date but still advance time only with `TestClock.adjust`.
 *
 * **Gotchas**
 *
 * A test on the wall clock depends on the day it runs; build the tokens it checks from the returned instant,
 * e.g. `Arbitraries.realisticTokenMeta(now)`, never from fixed dates.
 *
 * @category test clock
 * @since 0.1.0
 */
export const setToWallClock: Effect.Effect<DateTime.Utc> = Effect.flatMap(
  // Date.now, not Clock: inside a test the Clock service is the TestClock, stuck at 1970.
  Effect.sync(() => DateTime.unsafeMake(Date.now())),
  (now) => Effect.as(setTo(now), now)
)

/**
 * A layer that sets the `TestClock` to `instant` (default {@link reference}) when built. Provide it inside
 * the test, with `Effect.provide`, so it sets that test's clock.
 *
 * @example
 * ```ts
 * import { TestNow } from "@deepset-tokens/testing"
 * import { expect, it } from "@effect/vitest"
 * import { DateTime, Effect } from "effect"
 *
 * it.effect("runs at 2026-01-01", () =>
 *   Effect.gen(function*() {
 *     const now = yield* DateTime.now
 *     expect(DateTime.formatIso(now)).toBe("2026-01-01T00:00:00.000Z")
 *   }).pipe(Effect.provide(TestNow.layer())))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (instant: DateTime.DateTime | Date | number = reference): Layer.Layer<never> =>
  Layer.effectDiscard(setTo(instant))
