import type { Timeout } from "@deepset-tokens/domain"
import { type ApiTokenId, type ApiTokensError, type TokenMeta, TransportError } from "@deepset-tokens/domain"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Tracer from "effect/Tracer"
import { describeError, excerpt, interpretBody, type Scrub } from "./interpret.js"
import type { LeanGet } from "./lean.js"

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

// setTimeout fires at once for delays past 2^31 - 1 ms (about 24.8 days).
const maxTimerMillis = 2 ** 31 - 1

/** @internal */
export interface LeanAttemptOptions {
  readonly get: LeanGet
  readonly tokenUrl: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMillis: number
  readonly attemptTimeout: Timeout
  readonly maxBodyBytes: number
  readonly scrub: Scrub
  /** The fiber-based timeout, for a clock that is not the live one (the `TestClock`). */
  readonly timed: (effect: Effect.Effect<TokenMeta, ApiTokensError>) => Effect.Effect<TokenMeta, ApiTokensError>
}

/**
 * One attempt on a lean transport: a single `Effect.async` around one promise, so no fiber is forked.
 *
 * The attempt timeout is one `setTimeout` that aborts the request (headers and body alike). Under a clock
 * that is not the live one (the `TestClock`), the timeout is `Effect.timeoutFail` instead, so tests that
 * move time still decide it. Interrupting the caller aborts the request.
 *
 * @internal
 */
export const leanAttempt = (options: LeanAttemptOptions) => {
  const { attemptTimeout, get, headers, maxBodyBytes, scrub, timeoutMillis, tokenUrl } = options
  const armable = timeoutMillis <= maxTimerMillis

  const run = (id: ApiTokenId, clock: Clock.Clock, span: Tracer.AnySpan | undefined, arm: boolean) =>
    Effect.async<TokenMeta, ApiTokensError>((resume) => {
      const controller = new AbortController()
      let timedOut = false
      const timer = arm
        ? setTimeout(() => {
          timedOut = true
          controller.abort()
        }, timeoutMillis)
        : undefined
      get(tokenUrl + id, headers, maxBodyBytes, controller.signal).then(
        (response) => {
          clearTimeout(timer)
          if (timedOut) return resume(Effect.fail(attemptTimeout))
          if (span !== undefined && span._tag === "Span") span.attribute("http.response.status_code", response.status)
          let outcome: Either.Either<TokenMeta, ApiTokensError>
          try {
            outcome = interpretBody(
              response.status,
              response.header,
              response.body,
              { id, maxBodyBytes, scrub },
              () => clock.unsafeCurrentTimeMillis()
            )
          } catch (defect) {
            // interpretBody is total (property-tested); this only keeps a bug from becoming an unhandled rejection.
            return resume(Effect.die(defect))
          }
          resume(outcome)
        },
        (cause: unknown) => {
          clearTimeout(timer)
          resume(
            Effect.fail(
              timedOut
                ? attemptTimeout
                : new TransportError({ reason: excerpt(scrub, describeError(cause) || String(cause)) })
            )
          )
        }
      )
      return Effect.sync(() => {
        clearTimeout(timer)
        controller.abort()
      })
    })

  return (id: ApiTokenId): Effect.Effect<TokenMeta, ApiTokensError> =>
    Effect.withFiberRuntime((fiber) => {
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      return clock === liveClock && armable
        ? run(id, clock, fiber.currentSpan, true)
        : options.timed(run(id, clock, fiber.currentSpan, false))
    })
}
