/**
 * How `ApiTokens` retries a failed `retrieve`. GET is idempotent, so retrying is safe.
 *
 * @since 0.1.0
 */
import type { ApiTokensError } from "@deepset-tokens/domain"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * **Details**
 *
 * - `times`: retries after the first attempt (default 2, so at most 3 requests); an integer from 0 to 10.
 * - `base`: the first backoff (default 500 ms); it doubles per retry, minus up to 25 % jitter.
 * - `cap`: the longest backoff (default 8 s).
 * - `retryAfterCap`: the longest server-requested delay (`retry-after-ms`, `Retry-After`) that is honoured
 *   (default 60 s). A longer request is not waited for: the error comes back at once, carrying the delay.
 *
 * `base`, `cap` and `retryAfterCap` are each from 1 ms to 2^31 − 1 ms (about 24.8 days); see
 * `ApiTokens.limits` for why these bounds.
 *
 * @category models
 * @since 0.1.0
 */
export interface RetryPolicy {
  readonly times: number
  readonly base: Duration.DurationInput
  readonly cap: Duration.DurationInput
  readonly retryAfterCap: Duration.DurationInput
}

/**
 * @category constants
 * @since 0.1.0
 */
export const defaults: RetryPolicy = {
  times: 2,
  base: Duration.millis(500),
  cap: Duration.seconds(8),
  retryAfterCap: Duration.seconds(60)
}

/**
 * No retries at all.
 *
 * @category constants
 * @since 0.1.0
 */
export const none: RetryPolicy = { ...defaults, times: 0 }

const transientStatuses = new Set([408, 429, 500, 502, 503, 504])

/**
 * Whether `retrieve` retries after this error: 408, 429, 500, 502, 503, 504, transport errors and a timed-out
 * attempt. Never any other status, a bad id, a malformed body, or the overall deadline.
 *
 * @category predicates
 * @since 0.1.0
 */
export const isRetryable = (error: ApiTokensError): boolean => {
  switch (error._tag) {
    case "TransportError":
      return true
    case "Timeout":
      return error.scope === "attempt"
    case "RateLimited":
    case "ServerError":
    case "UnexpectedStatus":
      return transientStatuses.has(error.status)
    default:
      return false
  }
}

/**
 * The delay the server asked for, if the error carries one.
 *
 * @category getters
 * @since 0.1.0
 */
export const serverDelay = (error: ApiTokensError): Option.Option<Duration.Duration> =>
  error._tag === "RateLimited" || error._tag === "ServerError" ? error.retryAfter : Option.none()

/**
 * The backoff before retry number `retry` (0-based): `min(base * 2^retry, cap)`, less `jitter * 25 %`, where
 * `jitter` is in [0, 1).
 *
 * @category utils
 * @since 0.1.0
 */
export const backoff = (policy: RetryPolicy, retry: number, jitter: number): Duration.Duration => {
  const full = Math.min(Duration.toMillis(policy.base) * 2 ** retry, Duration.toMillis(policy.cap))
  return Duration.millis(full * (1 - 0.25 * jitter))
}
