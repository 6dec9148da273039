/**
 * An expiry monitor: every `every`, look up many tokens, a few at a time, and report which have expired or
 * expire soon.
 *
 * @since 0.1.0
 */
import { ApiTokens, type ApiTokensError, expiresWithin, isExpiredAt, type TokenMeta } from "@deepset-tokens/client"
import type { Schedule } from "effect"
import { DateTime, type Duration, Effect, Either } from "effect"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** A token expiring within this window is reported as expiring soon (e.g. `"14 days"`). */
  readonly warnWithin: Duration.DurationInput
  /** How many lookups run at once: enough to finish quickly, few enough not to be rate limited. */
  readonly concurrency: number
}

/**
 * One run's findings.
 *
 * @category models
 * @since 0.1.0
 */
export interface Report {
  readonly at: DateTime.Utc
  readonly expired: ReadonlyArray<TokenMeta>
  readonly expiringSoon: ReadonlyArray<TokenMeta>
  readonly healthy: ReadonlyArray<TokenMeta>
  /** Lookups that failed; the monitor goes on with the rest. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: ApiTokensError }>
}

/**
 * Checks every id once. One failed lookup does not fail the run: it is reported.
 *
 * @category programs
 * @since 0.1.0
 */
export const checkOnce = (
  ids: Iterable<string>,
  options: Options
): Effect.Effect<Report, never, ApiTokens> =>
  Effect.gen(function*() {
    const tokens = yield* ApiTokens
    const results = yield* Effect.forEach(
      ids,
      (id) => Effect.map(Effect.either(tokens.retrieve(id)), (result) => ({ id, result })),
      { concurrency: options.concurrency }
    )
    // Judged against the clock now, on every run: a token served from the cache still turns "expiring
    // soon" on time, because its expiry instant does not change.
    const at = yield* DateTime.now
    const expired: Array<TokenMeta> = []
    const expiringSoon: Array<TokenMeta> = []
    const healthy: Array<TokenMeta> = []
    const failed: Array<Report["failed"][number]> = []
    for (const { id, result } of results) {
      if (Either.isLeft(result)) failed.push({ id, error: result.left })
      else if (isExpiredAt(result.right, at)) expired.push(result.right)
      else if (expiresWithin(result.right, options.warnWithin, at)) expiringSoon.push(result.right)
      else healthy.push(result.right)
    }
    return { at, expired, expiringSoon, healthy, failed }
  })

/**
 * Logs a report: a warning per expired or soon-expiring token and per failed lookup (`ApiTokens` errors
 * never hold the key), then a summary.
 *
 * @category reporters
 * @since 0.1.0
 */
export const logReport = (report: Report): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (const token of report.expired) {
      yield* Effect.logWarning("token expired", { id: token.api_token_id, name: token.name })
    }
    for (const token of report.expiringSoon) {
      yield* Effect.logWarning("token expires soon", {
        id: token.api_token_id,
        name: token.name,
        expiresAt: token.expires_at
      })
    }
    for (const { error, id } of report.failed) yield* Effect.logWarning("token check failed", { id, error })
    yield* Effect.logInfo("tokens checked").pipe(
      Effect.annotateLogs({
        expired: report.expired.length,
        expiringSoon: report.expiringSoon.length,
        healthy: report.healthy.length,
        failed: report.failed.length
      })
    )
  })

/**
 * Checks at once, then on `schedule` (e.g. `Schedule.fixed("1 hour")`), handing each report to `onReport`.
 * Runs until interrupted.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { logReport, monitor } from "./Monitor.js"
 *
 * monitor(ids, { warnWithin: "14 days", concurrency: 8 }, Schedule.fixed("1 hour"), logReport)
 * ```
 *
 * @category programs
 * @since 0.1.0
 */
export const monitor = <X, E, R>(
  ids: Iterable<string>,
  options: Options,
  schedule: Schedule.Schedule<X, unknown>,
  onReport: (report: Report) => Effect.Effect<void, E, R>
): Effect.Effect<X, E, ApiTokens | R> => Effect.flatMap(checkOnce(ids, options), onReport).pipe(Effect.repeat(schedule))
