import { type ApiTokenId, type ApiTokensError, Timeout, type TokenMeta } from "@deepset-tokens/domain"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as RetryPolicy from "../RetryPolicy.js"

type Run = (id: ApiTokenId) => Effect.Effect<TokenMeta, ApiTokensError>

/**
 * Retries `attempt` under `retry`: a server-requested delay up to `retryAfterCap`, else capped exponential
 * backoff with jitter. Only what `RetryPolicy.isRetryable` accepts is retried.
 *
 * @internal
 */
export const withRetries = (attempt: Run, retry: RetryPolicy.RetryPolicy): Run => {
  const from = (id: ApiTokenId, done: number): Effect.Effect<TokenMeta, ApiTokensError> =>
    Effect.catchIf(
      attempt(id),
      (error) => done < retry.times && RetryPolicy.isRetryable(error),
      (error) => {
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
              Effect.zipRight(from(id, done + 1))
            )
        )
      }
    )
  return (id) => from(id, 0)
}

/**
 * One limit over every attempt and wait of `run`, when a deadline is set; `run` itself otherwise.
 *
 * @internal
 */
export const withDeadline = (run: Run, deadline: Option.Option<Duration.Duration>): Run =>
  Option.match(deadline, {
    onNone: () => run,
    onSome: (limit) => {
      const timeout = new Timeout({ limit, scope: "deadline" })
      return (id) => Effect.timeoutFail(run(id), { duration: limit, onTimeout: () => timeout })
    }
  })
