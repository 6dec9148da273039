import { type ApiTokenId, type ApiTokensError, type TokenMeta, TransportError } from "@deepset-tokens/domain"
import { describeError, excerpt, type LeanGet, type LeanResponse, type Scrub } from "@deepset-tokens/wire"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import type * as Tracer from "effect/Tracer"
import { interpretBody } from "./interpret.js"
import type { Plan } from "./options.js"
import { liveClock, ownsTimer, type Timed } from "./timer.js"

const noop = () => {}

/** @internal */
export interface LeanAttemptOptions {
  readonly get: LeanGet
  readonly origin: string
  /** The token path up to the id, already encoded. */
  readonly pathPrefix: string
  readonly headers: Readonly<Record<string, string>>
  readonly maxBodyBytes: number
  readonly scrub: Scrub
  readonly timed: Timed
}

/**
 * What follows a failed first attempt (the retries), for a call that runs its first attempt through `first`.
 *
 * @internal
 */
export type AfterFirst = (id: ApiTokenId, plan: Plan, error: ApiTokensError) => Effect.Effect<TokenMeta, ApiTokensError>

/** @internal */
export interface LeanAttempt {
  /** One attempt, for the retry pipeline: it looks at the fiber's clock itself. */
  readonly attempt: (id: ApiTokenId, plan: Plan) => Effect.Effect<TokenMeta, ApiTokensError>
  /**
   * The whole call as one `Effect.async`, for a caller that holds the fiber already and has nothing to wrap
   * around the call (no span, deadline, coalescing or cache): the first attempt, then `afterFirst` with its
   * error, if it failed. `undefined` when the fiber's clock is not the live one, or the timeout is past what
   * a timer can hold: the caller takes the pipeline then.
   *
   * Why: between two network waits, every step of Effect's runtime costs several times its hot-loop price
   * (see packages/bench/WHERE-THE-TIME-GOES.md). The pipeline (a span check, a retry handler, a clock check)
   * is three steps a successful call does not need, and an interruption handler around the wait is several
   * more.
   *
   * Gotcha: the request is aborted when the fiber ends, which an interruption of this wait always leads to,
   * unless the caller masks it and recovers (`uninterruptibleMask` + `restore` + `exit`) and goes on; then
   * the attempt's own timer aborts it. Its answer is dropped either way (Effect ignores a late resume).
   */
  readonly first: (
    fiber: Fiber.RuntimeFiber<unknown, unknown>,
    id: ApiTokenId,
    plan: Plan,
    afterFirst: AfterFirst
  ) => Effect.Effect<TokenMeta, ApiTokensError> | undefined
}

/**
 * One attempt on a lean transport: a single `Effect.async` around one request, so no fiber is forked.
 *
 * The attempt timeout, the call's `plan.timeoutMillis`, is one `setTimeout` that fails the attempt and aborts
 * the request (headers and body alike). Under a clock that is not the live one (the `TestClock`), the timeout is `Effect.timeoutFail`
 * instead, so tests that move time still decide it. Interrupting the caller aborts the request.
 *
 * @internal
 */
export const leanAttempt = (options: LeanAttemptOptions): LeanAttempt => {
  const { get, headers, maxBodyBytes, origin, pathPrefix, scrub } = options

  const run = (
    id: ApiTokenId,
    plan: Plan,
    clock: Clock.Clock,
    span: Tracer.AnySpan | undefined,
    arm: boolean,
    first: { readonly fiber: Fiber.RuntimeFiber<unknown, unknown>; readonly afterFirst: AfterFirst } | undefined
  ) =>
    Effect.async<TokenMeta, ApiTokensError>((resume) => {
      // Declared first: a transport may answer synchronously (a closed dispatcher fails at once).
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      let abort = noop
      const cancel = () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        abort()
      }
      const settle = (outcome: Effect.Effect<TokenMeta, ApiTokensError>) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (first !== undefined) first.fiber.removeObserver(cancel)
        resume(outcome)
      }
      const fail = (error: ApiTokensError) =>
        settle(first === undefined ? Effect.fail(error) : first.afterFirst(id, plan, error))
      const onResponse = (response: LeanResponse) => {
        if (settled) return
        if (span !== undefined && span._tag === "Span") span.attribute("http.response.status_code", response.status)
        let outcome: Either.Either<TokenMeta, ApiTokensError>
        try {
          outcome = interpretBody(
            response.status,
            response.header,
            response.body,
            { id, maxBodyBytes, scrub },
            () => clock.unsafeCurrentTimeMillis(),
            response.headers
          )
        } catch (defect) {
          // interpretBody is total (property-tested); this only keeps a bug from escaping into the transport.
          return settle(Effect.die(defect))
        }
        if (outcome._tag === "Left") return fail(outcome.left)
        settle(outcome)
      }
      const onError = (cause: unknown) =>
        fail(new TransportError({ reason: excerpt(scrub, describeError(cause) || String(cause)) }))
      abort = get({ origin, path: pathPrefix + id, headers, maxBodyBytes }, onResponse, onError)
      if (settled) return
      if (arm) {
        timer = setTimeout(() => {
          fail(plan.attemptTimeout)
          abort()
        }, plan.timeoutMillis)
      }
      if (first === undefined) return Effect.sync(cancel)
      // A whole call in one step is the fiber's last wait unless the call ends: an interruption while it waits
      // ends the fiber, so the fiber's end aborts the request. That spares every call the interruption handler
      // (`onInterrupt`, several runtime steps that cost ~20 µs on Bun between network waits); the observer is
      // removed as soon as the request settles, so a fiber making many calls keeps none.
      first.fiber.addObserver(cancel)
    })

  // The timer is ours only under the live clock, and only for what setTimeout can hold.
  const liveClockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>, plan: Plan) =>
    ownsTimer(Context.get(fiber.currentDefaultServices, Clock.Clock), plan.timeoutMillis)

  return {
    attempt: (id, plan) =>
      Effect.withFiberRuntime((fiber) =>
        liveClockOf(fiber, plan)
          ? run(id, plan, liveClock, fiber.currentSpan, true, undefined)
          : options.timed(
            run(id, plan, Context.get(fiber.currentDefaultServices, Clock.Clock), fiber.currentSpan, false, undefined),
            plan
          )
      ),
    first: (fiber, id, plan, afterFirst) =>
      liveClockOf(fiber, plan) ? run(id, plan, liveClock, undefined, true, { fiber, afterFirst }) : undefined
  }
}
