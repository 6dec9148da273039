import { type ApiTokenId, type ApiTokensError, type TokenMeta, TransportError } from "@deepset-tokens/domain"
import { describeError, excerpt, type LeanGet, type LeanResponse, type Scrub } from "@deepset-tokens/wire"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type * as Tracer from "effect/Tracer"
import { type Coalescer, Relay } from "./coalesce.js"
import { interpretBody } from "./interpret.js"
import type { Plan } from "./options.js"
import type { Retrying } from "./retry.js"
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

/**
 * What a call that shares its first attempt with concurrent callers needs: the coalescer and its key, and the
 * retry pipeline, which a failed shared attempt hands its callers to.
 *
 * @internal
 */
export interface Sharing {
  readonly coalescer: Coalescer<TokenMeta, ApiTokensError>
  readonly key: string
  readonly retrying: Retrying
}

/** @internal */
export interface LeanAttempt {
  /** One attempt, for the retry pipeline: it looks at the fiber's clock itself. */
  readonly attempt: (id: ApiTokenId, plan: Plan) => Effect.Effect<TokenMeta, ApiTokensError>
  /**
   * The whole call as one `Effect.async`, for a caller that holds the fiber already and has nothing to wrap
   * around the call (no span, deadline or cache): the first attempt, then `afterFirst` with its error, if it
   * failed. `undefined` when the fiber's clock is not the live one, or the timeout is past what a timer can
   * hold: the caller takes the pipeline then.
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
  /**
   * `first` for a call that coalesces, when no run for its key is in flight: the request is registered as
   * the key's run (a `Relay`), so callers that arrive while it is in flight wait on it instead of sending
   * their own. A failed attempt that the plan retries goes on in a daemon fiber, for everyone waiting and
   * everyone who joins; any other outcome goes to everyone at once.
   *
   * Why: this spares the daemon fiber per call that sharing used to cost, also for the many calls that find
   * nobody to share with.
   *
   * Gotcha: as with `first`, the caller leaves when its fiber ends; when the last caller has left, the
   * request (or the retries' fiber) is interrupted.
   */
  readonly firstShared: (
    fiber: Fiber.RuntimeFiber<unknown, unknown>,
    id: ApiTokenId,
    plan: Plan,
    sharing: Sharing
  ) => Effect.Effect<TokenMeta, ApiTokensError> | undefined
}

/** A request's outcome: the interpreted answer, or a bug in interpreting it. */
type Outcome = Either.Either<TokenMeta, ApiTokensError> | { readonly _tag: "Defect"; readonly defect: unknown }

/**
 * `effect` in a daemon fiber that runs with `fiber`'s context, services and fiber refs (its logger, its log
 * annotations, its scheduler), as `Effect.forkDaemon` from `fiber` would, for code outside `fiber` (a
 * callback). Its runtime flags are the default ones: interruptible even if the caller was masked, since the
 * last caller leaving must be able to stop it.
 */
const forkDaemonFrom = <A, E>(fiber: Fiber.RuntimeFiber<unknown, unknown>, effect: Effect.Effect<A, E>) =>
  Runtime.runFork(
    Runtime.make({
      context: fiber.currentContext,
      runtimeFlags: Runtime.defaultRuntimeFlags,
      fiberRefs: fiber.getFiberRefs()
    }),
    effect
  )

/**
 * One attempt on a lean transport: a single `Effect.async` around one request, so no fiber is forked.
 *
 * The attempt timeout, the call's `plan.timeoutMillis`, is one `setTimeout` that fails the attempt and aborts
 * the request (headers and body alike). Under a clock that is not the live one (the `TestClock`), the timeout
 * is `Effect.timeoutFail` instead, so tests that move time still decide it. Interrupting the caller aborts the
 * request.
 *
 * @internal
 */
export const leanAttempt = (options: LeanAttemptOptions): LeanAttempt => {
  const { get, headers, maxBodyBytes, origin, pathPrefix, scrub } = options

  /**
   * Sends the GET for `id`, with the attempt's timer when `arm`, and tells `done` its outcome once, unless the
   * returned cancel comes first. `undefined` instead of a cancel: `done` has heard already (a transport may
   * answer synchronously: a closed dispatcher fails at once).
   */
  const send = (
    id: ApiTokenId,
    plan: Plan,
    clock: Clock.Clock,
    span: Tracer.AnySpan | undefined,
    arm: boolean,
    done: (outcome: Outcome) => void
  ): (() => void) | undefined => {
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let abort = noop
    const settle = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      done(outcome)
    }
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
        return settle({ _tag: "Defect", defect })
      }
      settle(outcome)
    }
    const onError = (cause: unknown) =>
      settle(Either.left(new TransportError({ reason: excerpt(scrub, describeError(cause) || String(cause)) })))
    abort = get({ origin, path: pathPrefix + id, headers, maxBodyBytes }, onResponse, onError)
    if (settled) return undefined
    if (arm) {
      timer = setTimeout(() => {
        settle(Either.left(plan.attemptTimeout))
        abort()
      }, plan.timeoutMillis)
    }
    return () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      abort()
    }
  }

  // A defect is only ever a bug in interpretBody, which is total (property-tested): it is reported as one rather
  // than thrown into the transport's callback.
  const asEffect = (outcome: Outcome): Effect.Effect<TokenMeta, ApiTokensError> =>
    outcome._tag === "Defect" ? Effect.die(outcome.defect) : outcome

  const asExit = (outcome: Outcome): Exit.Exit<TokenMeta, ApiTokensError> =>
    outcome._tag === "Right"
      ? Exit.succeed(outcome.right)
      : outcome._tag === "Left"
      ? Exit.fail(outcome.left)
      : Exit.die(outcome.defect)

  // The timer is ours only under the live clock, and only for what setTimeout can hold.
  const liveClockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>, plan: Plan) =>
    ownsTimer(Context.get(fiber.currentDefaultServices, Clock.Clock), plan.timeoutMillis)

  const attempt = (id: ApiTokenId, plan: Plan, clock: Clock.Clock, span: Tracer.AnySpan | undefined, arm: boolean) =>
    Effect.async<TokenMeta, ApiTokensError>((resume) => {
      const cancel = send(id, plan, clock, span, arm, (outcome) => resume(asEffect(outcome)))
      return cancel === undefined ? undefined : Effect.sync(cancel)
    })

  const first: LeanAttempt["first"] = (fiber, id, plan, afterFirst) =>
    liveClockOf(fiber, plan)
      ? Effect.async<TokenMeta, ApiTokensError>((resume) => {
        let cancel: (() => void) | undefined = undefined
        cancel = send(id, plan, liveClock, undefined, true, (outcome) => {
          if (cancel !== undefined) fiber.removeObserver(cancel)
          resume(outcome._tag === "Left" ? afterFirst(id, plan, outcome.left) : asEffect(outcome))
        })
        // A whole call in one step is the fiber's last wait unless the call ends: an interruption while it
        // waits ends the fiber, so the fiber's end aborts the request. That spares every call the interruption
        // handler (`onInterrupt`, several runtime steps that cost ~20 µs on Bun between network waits); the
        // observer is removed as soon as the request settles, so a fiber making many calls keeps none.
        if (cancel !== undefined) fiber.addObserver(cancel)
      })
      : undefined

  const firstShared: LeanAttempt["firstShared"] = (fiber, id, plan, { coalescer, key, retrying }) =>
    liveClockOf(fiber, plan)
      ? Effect.async<TokenMeta, ApiTokensError>((resume) => {
        const relay = new Relay<TokenMeta, ApiTokensError>()
        // This caller leaves when its fiber ends (as in `first`, no interruption handler); the last to leave
        // stops the run.
        let leave = noop
        let heard = false
        const observer = (exit: Exit.Exit<TokenMeta, ApiTokensError>) => {
          heard = true
          fiber.removeObserver(leave)
          resume(exit)
        }
        leave = coalescer.start(key, relay, observer)
        const cancel = send(id, plan, liveClock, undefined, true, (outcome) => {
          if (outcome._tag === "Left" && retrying.retriesFirst(plan, outcome.left)) {
            relay.handOff(forkDaemonFrom(fiber, retrying.afterFirst(id, plan, outcome.left)))
          } else {
            relay.done(asExit(outcome))
          }
        })
        if (cancel !== undefined) relay.stop = cancel
        // An answer given at once may still be retried, in a fiber this caller waits on.
        if (!heard) fiber.addObserver(leave)
      })
      : undefined

  return {
    attempt: (id, plan) =>
      Effect.withFiberRuntime((fiber) =>
        liveClockOf(fiber, plan)
          ? attempt(id, plan, liveClock, fiber.currentSpan, true)
          : options.timed(
            attempt(id, plan, Context.get(fiber.currentDefaultServices, Clock.Clock), fiber.currentSpan, false),
            plan
          )
      ),
    first,
    firstShared
  }
}
