/**
 * When an attempt's timeout is a plain `setTimeout` (the live clock) and when it must be the clock's own
 * (`Effect.timeoutFail`, so a `TestClock` decides it): one rule for every attempt path.
 */
import type { ApiTokensError, TokenMeta } from "@deepset-tokens/domain"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import type * as Effect from "effect/Effect"
import type { Plan } from "./options.js"

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

/**
 * The fiber-based attempt timeout (`Effect.timeoutFail`), for a clock that is not the live one (the
 * `TestClock`): built once per service, handed to every attempt path.
 *
 * @internal
 */
export type Timed = (
  effect: Effect.Effect<TokenMeta, ApiTokensError>,
  plan: Plan
) => Effect.Effect<TokenMeta, ApiTokensError>
