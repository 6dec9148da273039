import type { ApiTokenId, ApiTokensError, TokenMeta } from "@deepset-tokens/domain"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as RetryPolicy from "../RetryPolicy.js"
import type { Plan } from "./options.js"

/** One stage of the pipeline: built once, told per call what that call runs with. */
type Run = (id: ApiTokenId, plan: Plan) => Effect.Effect<TokenMeta, ApiTokensError>

/** @internal */
export interface Retrying {
  /** The attempt, retried under the call's plan. */
  readonly run: Run
  /**
   * What follows a first attempt that failed with `error`: the wait and the retries if the plan allows one,
   * else the failure itself. For a caller that ran the first attempt on its own (the lean path does, to spare
   * every call the error handler a successful attempt never needs).
   */
  readonly afterFirst: (id: ApiTokenId, plan: Plan, error: ApiTokensError) => Effect.Effect<TokenMeta, ApiTokensError>
  /** Whether `afterFirst` would retry `error` rather than fail with it. */
  readonly retriesFirst: (plan: Plan, error: ApiTokensError) => boolean
}

/**
 * Retries `attempt` under the call's `plan.retry`: a server-requested delay up to `retryAfterCap`, else capped
 * exponential backoff with jitter. Only what `RetryPolicy.isRetryable` accepts is retried.
 *
 * @internal
 */
export const withRetries = (attempt: Run): Retrying => {
  const retries = (plan: Plan, done: number, error: ApiTokensError) =>
    done < plan.retry.times && RetryPolicy.isRetryable(error)
  const from = (id: ApiTokenId, plan: Plan, done: number): Effect.Effect<TokenMeta, ApiTokensError> =>
    Effect.catchIf(
      attempt(id, plan),
      (error) => retries(plan, done, error),
      (error) => after(id, plan, done, error)
    )
  // The wait before retry number `done` (0-based) and the attempts from there.
  const after = (
    id: ApiTokenId,
    plan: Plan,
    done: number,
    error: ApiTokensError
  ): Effect.Effect<TokenMeta, ApiTokensError> => {
    const { retry } = plan
    const requested = RetryPolicy.serverDelay(error)
    if (Option.isSome(requested) && Duration.greaterThan(requested.value, retry.retryAfterCap)) {
      // Too long to wait here: hand the delay to the caller, who can schedule.
      return Effect.fail(error)
    }
    return Effect.flatMap(
      Option.isSome(requested)
        ? Effect.succeed(requested.value)
        : Effect.map(Random.next, (jitter) => RetryPolicy.backoff(retry, done, jitter)),
      (wait) =>
        Effect.logDebug("ApiTokens.retrieve: retrying").pipe(
          Effect.annotateLogs({
            retry: done + 1,
            of: retry.times,
            error: error._tag,
            status: "status" in error ? error.status : undefined,
            waitMillis: Duration.toMillis(wait)
          }),
          Effect.zipRight(Effect.sleep(wait)),
          Effect.zipRight(from(id, plan, done + 1))
        )
    )
  }
  return {
    run: (id, plan) => from(id, plan, 0),
    afterFirst: (id, plan, error) => retries(plan, 0, error) ? after(id, plan, 0, error) : Effect.fail(error),
    retriesFirst: (plan, error) => retries(plan, 0, error)
  }
}

/**
 * One limit over every attempt and wait of `run`, when the call's plan has a deadline; `run` itself otherwise.
 *
 * @internal
 */
export const withDeadline = (run: Run): Run => (id, plan) => {
  const timeout = plan.deadline
  return timeout === undefined
    ? run(id, plan)
    : Effect.timeoutFail(run(id, plan), { duration: timeout.limit, onTimeout: () => timeout })
}
