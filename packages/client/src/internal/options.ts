import { Timeout } from "@deepset-tokens/domain"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ApiTokens } from "../ApiTokens.js"
import { ApiTokensConfigError } from "../ApiTokensConfigError.js"
import * as RetryPolicy from "../RetryPolicy.js"
import { resolveBaseUrl } from "./baseUrl.js"
import { maxTimerMillis } from "./timer.js"

/**
 * The documented range of every option; `ApiTokens.limits` publishes it.
 *
 * @internal
 */
export const limits = {
  duration: { minMillis: 1, maxMillis: maxTimerMillis },
  retryTimes: { min: 0, max: 10 },
  maxBodyBytes: { min: 1024, max: 64 * 1024 * 1024 },
  cacheCapacity: { min: 1, max: 100_000 }
} as const

/** @internal */
export interface ResolvedCache {
  readonly ttlMillis: number
  readonly capacity: number
  /** `undefined`: 404s are not cached. */
  readonly notFoundTtlMillis: number | undefined
}

/**
 * Every option checked and decoded, defaults filled in.
 *
 * @internal
 */
export interface Resolved {
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly deadline: Option.Option<Duration.Duration>
  readonly retry: RetryPolicy.RetryPolicy
  readonly maxBodyBytes: number
  readonly coalesce: boolean
  readonly cache: ResolvedCache | undefined
}

const refuse = (field: string, reason: string) => Either.left(new ApiTokensConfigError({ field, reason }))

// Durations and counts are never secret; a string is cut short so an error stays one readable line.
const show = (input: unknown): string => {
  if (typeof input === "string") return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)
  if (typeof input === "number" || typeof input === "bigint" || typeof input === "boolean") return String(input)
  if (Duration.isDuration(input)) return Duration.format(input)
  return input === null ? "null" : typeof input
}

const durationRange = `a duration from 1 millisecond to ${maxTimerMillis} milliseconds (about 24.8 days)`

const toDuration = (field: string, input: unknown): Either.Either<Duration.Duration, ApiTokensConfigError> => {
  // decodeUnknown turns a negative or NaN number into zero, and never throws: the range check catches both.
  const decoded = Duration.decodeUnknown(input)
  if (Option.isSome(decoded)) {
    const millis = Duration.toMillis(decoded.value)
    if (millis >= limits.duration.minMillis && millis <= limits.duration.maxMillis) return Either.right(decoded.value)
  }
  return refuse(field, `expected ${durationRange}, got ${show(input)}`)
}

const toDurationOr = (field: string, input: unknown, fallback: Duration.Duration) =>
  input === undefined ? Either.right(fallback) : toDuration(field, input)

const toInteger = (field: string, input: unknown, range: { readonly min: number; readonly max: number }) =>
  typeof input === "number" && Number.isInteger(input) && input >= range.min && input <= range.max
    ? Either.right(input)
    : refuse(field, `expected an integer from ${range.min} to ${range.max}, got ${show(input)}`)

const checkKey = (apiKey: unknown): Either.Either<void, ApiTokensConfigError> => {
  const key = Redacted.isRedacted(apiKey) ? Redacted.value(apiKey) : undefined
  return typeof key === "string" && key.length > 0 && !/[\s\u0000-\u001f\u007f]/.test(key)
    ? Either.right(undefined)
    : refuse("apiKey", "expected a non-empty Redacted<string> without whitespace or control characters")
}

/**
 * A web page: a window with a document. Workers (Cloudflare's, or a page's web worker), Node, Bun and Deno
 * have no `document`, so only a page is refused by default.
 */
const inPage = (): boolean => {
  const scope = globalThis as { readonly window?: unknown; readonly document?: unknown }
  return typeof scope.window === "object" && typeof scope.document === "object"
}

// An object, not null: the options come from JavaScript callers and config files too, whatever their types say.
const isRecord = (input: unknown): input is object => typeof input === "object" && input !== null

/**
 * A key a record may not have, as `prefix` + key: JavaScript callers and config files are not checked by the
 * types, and a misspelt option (`maxRetries`, `retry.max`) would otherwise be ignored without a word.
 */
const unknownKey = (
  input: object,
  known: ReadonlyArray<string>,
  prefix = ""
): Either.Either<void, ApiTokensConfigError> => {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      return refuse(`${prefix}${key.slice(0, 40)}`, `unknown option; expected one of ${known.join(", ")}`)
    }
  }
  return Either.void
}

const optionKeys = [
  "apiKey",
  "baseUrl",
  "region",
  "timeout",
  "deadline",
  "retry",
  "maxBodyBytes",
  "allowInsecureHttp",
  "dangerouslyAllowBrowser",
  "coalesce",
  "cache"
] as const
const retryKeys = ["times", "base", "cap", "retryAfterCap"] as const
const cacheKeys = ["ttl", "capacity", "notFoundTtl"] as const
const callKeys = ["timeout", "deadline", "retry"] as const

const orDefault = <A>(input: A | undefined, fallback: A): A => input === undefined ? fallback : input

const resolveCache = (cache: ApiTokens.Options["cache"]) =>
  Either.gen(function*() {
    if (cache === undefined) return undefined
    if (!isRecord(cache)) {
      return yield* refuse("cache", `expected an object with ttl and capacity, got ${show(cache)}`)
    }
    yield* unknownKey(cache, cacheKeys, "cache.")
    const capacity = yield* toInteger("cache.capacity", cache.capacity, limits.cacheCapacity)
    const ttl = yield* toDuration("cache.ttl", cache.ttl)
    const notFoundTtl = cache.notFoundTtl === undefined
      ? undefined
      : yield* toDuration("cache.notFoundTtl", cache.notFoundTtl)
    return {
      capacity,
      ttlMillis: Duration.toMillis(ttl),
      notFoundTtlMillis: notFoundTtl === undefined ? undefined : Duration.toMillis(notFoundTtl)
    }
  })

/**
 * `retry` checked over `fallback`, in the documented order (`retry`, `retry.times`, `retry.base`, `retry.cap`,
 * `retry.retryAfterCap`): `false` is no retries; a field left out (or `undefined`) keeps `fallback`'s. The
 * constructors pass the defaults, a call the layer's resolved policy, so both apply one set of rules.
 */
const resolveRetry = (input: unknown, fallback: RetryPolicy.RetryPolicy) =>
  Either.gen(function*() {
    // `false` sets only `times`: the other fields are then unused, and a plan stays comparable.
    const given: Partial<RetryPolicy.RetryPolicy> = input === false
      ? { times: 0 }
      : input === undefined
      ? {}
      : isRecord(input)
      ? input
      : yield* refuse("retry", `expected false or an object of times, base, cap, retryAfterCap, got ${show(input)}`)
    if (isRecord(input)) yield* unknownKey(input, retryKeys, "retry.")
    const retry: RetryPolicy.RetryPolicy = {
      times: yield* toInteger("retry.times", orDefault(given.times, fallback.times), limits.retryTimes),
      base: yield* toDuration("retry.base", orDefault(given.base, fallback.base)),
      cap: yield* toDuration("retry.cap", orDefault(given.cap, fallback.cap)),
      retryAfterCap: yield* toDuration("retry.retryAfterCap", orDefault(given.retryAfterCap, fallback.retryAfterCap))
    }
    return retry
  })

/**
 * Everything but the key, in the documented order: an unknown option, `dangerouslyAllowBrowser` (in a page),
 * `region`/`baseUrl`, `timeout`, `deadline`, `retry`,
 * `retry.times`, `retry.base`, `retry.cap`, `retry.retryAfterCap`, `maxBodyBytes`, `cache`, `cache.capacity`,
 * `cache.ttl`, `cache.notFoundTtl`. The first bad one is reported.
 */
const resolveRest = (options: Partial<ApiTokens.Options>): Either.Either<Resolved, ApiTokensConfigError> =>
  Either.gen(function*() {
    yield* unknownKey(options, optionKeys)
    if (inPage() && options.dangerouslyAllowBrowser !== true) {
      return yield* refuse(
        "dangerouslyAllowBrowser",
        "ApiTokens runs in a web page, where the API key is visible to every visitor: call it from a server, or set dangerouslyAllowBrowser: true if every visitor may hold this key"
      )
    }
    const baseUrl = yield* resolveBaseUrl(options)
    const timeout = yield* toDurationOr("timeout", options.timeout, Duration.seconds(10))
    const deadline = options.deadline === undefined
      ? Option.none()
      : Option.some(yield* toDuration("deadline", options.deadline))
    const retry = yield* resolveRetry(options.retry, RetryPolicy.defaults)
    const maxBodyBytes = yield* toInteger(
      "maxBodyBytes",
      orDefault(options.maxBodyBytes, 1024 * 1024),
      limits.maxBodyBytes
    )
    const cache = yield* resolveCache(options.cache)
    return { baseUrl, timeout, deadline, retry, maxBodyBytes, coalesce: options.coalesce !== false, cache }
  })

// Whatever the types say, a JavaScript caller can pass anything: not an object is refused, not thrown on.
const notAnObject = (options: unknown) => refuse("options", `expected an object, got ${show(options)}`)

/**
 * Checks and decodes the options a constructor was given: the key first, then the rest in order.
 *
 * @internal
 */
export const resolveOptions = (options: ApiTokens.Options): Either.Either<Resolved, ApiTokensConfigError> =>
  isRecord(options) ? Either.flatMap(checkKey(options.apiKey), () => resolveRest(options)) : notAnObject(options)

/**
 * The same checks on whatever options are given; a missing key is not checked.
 *
 * @internal
 */
export const validateOptions = (options: Partial<ApiTokens.Options>): Either.Either<void, ApiTokensConfigError> => {
  if (!isRecord(options)) return notAnObject(options)
  const key = options.apiKey === undefined ? Either.right(undefined) : checkKey(options.apiKey)
  return Either.map(Either.flatMap(key, () => resolveRest(options)), () => undefined)
}

/**
 * What one call runs with: the attempt timeout, the retry policy and the deadline, each the layer's unless the
 * call overrides it. The pipeline is built once and reads these per call, so a call with options builds
 * nothing but this record, and a call without options passes the layer's own (no allocation).
 *
 * @internal
 */
export interface Plan {
  readonly timeout: Duration.Duration
  readonly timeoutMillis: number
  /** The error an attempt fails with when `timeout` passes, made once per plan. */
  readonly attemptTimeout: Timeout
  readonly retry: RetryPolicy.RetryPolicy
  /** The error the whole call fails with when its deadline passes (it holds the limit); `undefined`: none. */
  readonly deadline: Timeout | undefined
  /** Equal for plans that behave alike: calls share a request only when their signatures are equal. */
  readonly signature: string
}

const millisOf = (input: Duration.DurationInput): number => Duration.toMillis(Duration.decode(input))

/** @internal */
export const makePlan = (
  timeout: Duration.Duration,
  retry: RetryPolicy.RetryPolicy,
  deadline: Option.Option<Duration.Duration>
): Plan => ({
  timeout,
  timeoutMillis: Duration.toMillis(timeout),
  attemptTimeout: new Timeout({ limit: timeout, scope: "attempt" }),
  retry,
  deadline: Option.isNone(deadline) ? undefined : new Timeout({ limit: deadline.value, scope: "deadline" }),
  signature: [
    Duration.toMillis(timeout),
    Option.isNone(deadline) ? "" : Duration.toMillis(deadline.value),
    retry.times,
    millisOf(retry.base),
    millisOf(retry.cap),
    millisOf(retry.retryAfterCap)
  ].join("/")
})

/**
 * One call's options checked with the constructors' rules and ranges, in their order (`timeout`, `deadline`,
 * `retry`, `retry.times`, `retry.base`, `retry.cap`, `retry.retryAfterCap`), over the layer's `plan`. Options
 * that change nothing give back `plan` itself, so such a call still shares requests with plain calls.
 *
 * @internal
 */
export const resolveCall = (input: unknown, plan: Plan): Either.Either<Plan, ApiTokensConfigError> => {
  if (!isRecord(input)) return notAnObject(input)
  const given = input as ApiTokens.CallOptions
  return Either.gen(function*() {
    yield* unknownKey(given, callKeys)
    const timeout = given.timeout === undefined ? plan.timeout : yield* toDuration("timeout", given.timeout)
    const deadline = given.deadline === undefined
      ? Option.fromNullable(plan.deadline?.limit)
      : Option.some(yield* toDuration("deadline", given.deadline))
    const retry = given.retry === undefined ? plan.retry : yield* resolveRetry(given.retry, plan.retry)
    const resolved = makePlan(timeout, retry, deadline)
    return resolved.signature === plan.signature ? plan : resolved
  })
}
