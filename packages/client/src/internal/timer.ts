/**
 * When an attempt's timeout is a plain `setTimeout` (the live clock) and when it must be the clock's own
 * (`Effect.timeoutFail`, so a `TestClock` decides it): one rule for every attempt path.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"

/** @internal */
export const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/**
 * Effect's clock, and JS timers, hold at most 2^31 - 1 ms (about 24.8 days): `setTimeout` fires at once past it,
 * so a longer limit would silently be no limit.
 *
 * @internal
 */
export const maxTimerMillis = 2 ** 31 - 1

/**
 * Whether a timeout of `millis` under `clock` is ours to keep with `setTimeout`.
 *
 * @internal
 */
export const ownsTimer = (clock: Clock.Clock, millis: number): boolean =>
  clock === liveClock && millis <= maxTimerMillis
