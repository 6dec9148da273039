/**
 * The `ApiTokens` service: retrieve an API token's metadata from the deepset AI Platform.
 *
 * @since 0.1.0
 */
import {
  type ApiTokenId,
  ApiTokensConfigError,
  type ApiTokensError,
  InvalidTokenId,
  parseApiTokenId,
  Timeout,
  type TokenMeta,
  TransportError
} from "@deepset-tokens/domain"
import { excerpt, makeScrub, type Scrub } from "@deepset-tokens/wire"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { ApiTokensCache, type CacheOptions, type Service as CacheService } from "./ApiTokensCache.js"
import { resolveBaseUrl } from "./internal/baseUrl.js"
import { TokenCache } from "./internal/cache.js"
import { makeCoalescer } from "./internal/coalesce.js"
import { describeCause, interpret } from "./internal/interpret.js"
import { leanGetOf } from "./internal/lean.js"
import { leanAttempt } from "./internal/leanAttempt.js"
import { version } from "./internal/version.js"
import * as RetryPolicy from "./RetryPolicy.js"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The deepset API key, sent as `Authorization: Bearer`. */
  readonly apiKey: Redacted.Redacted<string>
  /**
   * Default `https://api.cloud.deepset.ai`. With or without a trailing `/` or `/api/v1`. A path prefix (a
   * gateway) is kept. Plain `http://` is refused except for loopback hosts, unless `allowInsecureHttp`.
   */
  readonly baseUrl?: string | URL | undefined
  /** `"eu"` (api.cloud.deepset.ai) or `"us"` (api.us.deepset.ai). Give this or `baseUrl`, not both. */
  readonly region?: "eu" | "us" | undefined
  /** Per-attempt limit covering connect, headers and body. Default 10 s. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Optional limit on all attempts and waits together. */
  readonly deadline?: Duration.DurationInput | undefined
  /** Override parts of {@link RetryPolicy.defaults}, or `false` for no retries. */
  readonly retry?: Partial<RetryPolicy.RetryPolicy> | false | undefined
  /** Largest response body read, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** Allow plain `http://` to a non-loopback host. The key then travels unencrypted. */
  readonly allowInsecureHttp?: boolean | undefined
  /**
   * Concurrent `retrieve` calls for the same id share one request and its outcome. Default `true`.
   * Interrupting one caller leaves the others waiting; the request is aborted when the last one leaves.
   */
  readonly coalesce?: boolean | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /**
   * Retrieves a token's metadata by id (`GET /api/v1/token/{id}`). The id may be any UUID in any case; it
   * is checked before any request is sent and sent in lowercase.
   */
  readonly retrieve: (id: string) => Effect.Effect<TokenMeta, ApiTokensError>
}

/**
 * The User-Agent every request sends.
 *
 * @category constants
 * @since 0.1.0
 */
export const userAgent = `deepset-tokens/${version} (@deepset-tokens/client)`

const toDuration = (field: string, input: Duration.DurationInput | undefined, fallback: Duration.Duration) => {
  if (input === undefined) return Either.right(fallback)
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value)
    ? Either.right(decoded.value)
    : Either.left(new ApiTokensConfigError({ field, reason: "expected a finite duration" }))
}

interface Resolved {
  readonly baseUrl: string
  readonly cache: Option.Option<{ readonly ttl: number; readonly capacity: number; readonly notFoundTtl: number }>
  readonly timeout: Duration.Duration
  readonly deadline: Option.Option<Duration.Duration>
  readonly retry: RetryPolicy.RetryPolicy
  readonly maxBodyBytes: number
}

const resolveOptions = (
  options: Options,
  cacheOptions?: CacheOptions
): Either.Either<Resolved, ApiTokensConfigError> =>
  Either.gen(function*() {
    const key = Redacted.isRedacted(options.apiKey) ? Redacted.value(options.apiKey) : undefined
    if (key === undefined || key.length === 0 || /[\s\u0000-\u001f\u007f]/.test(key)) {
      return yield* Either.left(
        new ApiTokensConfigError({
          field: "apiKey",
          reason: "expected a non-empty Redacted<string> without whitespace or control characters"
        })
      )
    }
    const baseUrl = yield* resolveBaseUrl(options)
    const timeout = yield* toDuration("timeout", options.timeout, Duration.seconds(10))
    const deadline = options.deadline === undefined
      ? Option.none()
      : Option.some(yield* toDuration("deadline", options.deadline, Duration.infinity))
    const partial = options.retry === false ? RetryPolicy.none : { ...RetryPolicy.defaults, ...options.retry }
    if (!Number.isSafeInteger(partial.times) || partial.times < 0) {
      return yield* Either.left(new ApiTokensConfigError({ field: "retry.times", reason: "expected an integer >= 0" }))
    }
    const retry: RetryPolicy.RetryPolicy = {
      times: partial.times,
      base: yield* toDuration("retry.base", partial.base, Duration.millis(500)),
      cap: yield* toDuration("retry.cap", partial.cap, Duration.seconds(8)),
      retryAfterCap: yield* toDuration("retry.retryAfterCap", partial.retryAfterCap, Duration.seconds(60))
    }
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
      return yield* Either.left(new ApiTokensConfigError({ field: "maxBodyBytes", reason: "expected an integer >= 1" }))
    }
    let cache: Resolved["cache"] = Option.none()
    if (cacheOptions !== undefined) {
      if (!Number.isSafeInteger(cacheOptions.capacity) || cacheOptions.capacity < 1) {
        return yield* Either.left(
          new ApiTokensConfigError({ field: "cache.capacity", reason: "expected an integer >= 1" })
        )
      }
      const ttl = yield* toDuration("cache.ttl", cacheOptions.ttl, Duration.zero)
      const notFoundTtl = yield* toDuration("cache.notFoundTtl", cacheOptions.notFoundTtl, Duration.zero)
      cache = Option.some({
        ttl: Duration.toMillis(ttl),
        capacity: cacheOptions.capacity,
        notFoundTtl: Duration.toMillis(notFoundTtl)
      })
    }
    return { baseUrl, cache, timeout, deadline, retry, maxBodyBytes }
  })

const redactAllHeaders: ReadonlyArray<RegExp> = [/./]

const emptyCache: CacheService = { invalidate: () => Effect.void, invalidateAll: Effect.void, size: Effect.succeed(0) }

const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Runs `effect` in an `ApiTokens.retrieve` span, where a span can be seen. Effect's built-in tracer keeps its
 * spans nowhere, so under it (and with tracing off) the span and its bookkeeping are skipped: a hot path
 * pays for tracing only when a tracer (OpenTelemetry, a test recorder) is installed.
 */
const withRetrieveSpan = <A, E>(effect: Effect.Effect<A, E>, attributes: () => Record<string, unknown>) =>
  Effect.withFiberRuntime<A, E>((fiber) =>
    fiber.currentTracer === nativeTracer || !fiber.getFiberRef(FiberRef.currentTracerEnabled)
      ? effect
      : Effect.withSpan(effect, "ApiTokens.retrieve", { attributes: attributes(), captureStackTrace: false })
  )

/**
 * One attempt through the platform pipeline: for any `HttpClient` (a user's own, a wrapped one, the fake).
 */
const genericAttempt = (
  provided: HttpClient.HttpClient,
  { maxBodyBytes, options, scrub, timed, tokenUrl }: {
    readonly options: Options
    readonly tokenUrl: string
    readonly maxBodyBytes: number
    readonly scrub: Scrub
    readonly timed: (effect: Effect.Effect<TokenMeta, ApiTokensError>) => Effect.Effect<TokenMeta, ApiTokensError>
  }
) =>
  Effect.map(Effect.serviceOption(FetchHttpClient.RequestInit), (init) => {
    // The platform's http.client span records every response header as an attribute, so a server that
    // echoes the key would put it into traces. The ApiTokens.retrieve span carries the safe attributes.
    const client = HttpClient.withTracerDisabledWhen(provided, () => true)
    // Built once: each call only sets the URL on this request.
    const baseRequest = HttpClientRequest.get(tokenUrl).pipe(
      HttpClientRequest.bearerToken(options.apiKey),
      HttpClientRequest.acceptJson,
      HttpClientRequest.setHeader("user-agent", userAgent)
    )
    const transportError = (error: HttpClientError.HttpClientError) =>
      Effect.fail(new TransportError({ reason: excerpt(scrub, describeCause(error)) }))
    // 3xx answers are errors, never followed: the key must not reach another origin. undici's `request`
    // never follows; fetch would, so it is told not to (keeping any RequestInit the layer was given).
    const fetchInit: RequestInit = { ...Option.getOrElse(init, () => ({})), redirect: "manual" }
    // An interruption (the timeout, or the caller) aborts the request, whether it waits for headers or
    // reads the body: the platform ties an AbortController to both.
    return (id: ApiTokenId): Effect.Effect<TokenMeta, ApiTokensError> =>
      client.execute(HttpClientRequest.setUrl(baseRequest, tokenUrl + id)).pipe(
        Effect.catchAll(transportError),
        Effect.flatMap((response) =>
          Effect.zipRight(
            Effect.annotateCurrentSpan("http.response.status_code", response.status),
            interpret(response, { id, maxBodyBytes, scrub })
          )
        ),
        Effect.provideService(FetchHttpClient.RequestInit, fetchInit),
        // Any header a server sends may echo the key; the platform's own renderings of requests and
        // responses (its debug logs of failed internal fibers, for one) then show every value redacted.
        Effect.locally(Headers.currentRedactedNames, redactAllHeaders),
        timed
      )
  })

/**
 * Builds the service from an `HttpClient`. The request pipeline is built here, once.
 *
 * **Details**
 *
 * On the exact client `FetchTransport` or `UndiciTransport` provides, each attempt is one request with no
 * fiber of its own (the lean path). Any other `HttpClient` (the platform's clients, one you derived with
 * `HttpClient.mapRequest`, the fake) goes through the platform pipeline with a fiber-based timeout: the same
 * behavior, a higher cost per call.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<Service, ApiTokensConfigError, HttpClient.HttpClient> =>
  Effect.map(build(options), ({ service }) => service)

const build = (
  options: Options,
  cacheOptions?: CacheOptions
): Effect.Effect<
  { readonly service: Service; readonly cache: CacheService | undefined },
  ApiTokensConfigError,
  HttpClient.HttpClient
> =>
  Effect.gen(function*() {
    const config = yield* resolveOptions(options, cacheOptions)
    const scrub = makeScrub(Redacted.value(options.apiKey))
    const provided = yield* HttpClient.HttpClient
    const tokenUrl = `${config.baseUrl}/api/v1/token/`
    const attemptTimeout = new Timeout({ limit: config.timeout, scope: "attempt" })
    const timeoutMillis = Duration.toMillis(config.timeout)
    const { maxBodyBytes, retry } = config
    const timed = (effect: Effect.Effect<TokenMeta, ApiTokensError>) =>
      Effect.timeoutFail(effect, { duration: config.timeout, onTimeout: () => attemptTimeout })

    const lean = leanGetOf(provided)
    const attempt = lean === undefined
      ? yield* genericAttempt(provided, { options, tokenUrl, maxBodyBytes, scrub, timed })
      : leanAttempt({
        get: lean,
        origin: new URL(tokenUrl).origin,
        pathPrefix: new URL(tokenUrl).pathname,
        headers: {
          authorization: `Bearer ${Redacted.value(options.apiKey)}`,
          accept: "application/json",
          "user-agent": userAgent
        },
        timeoutMillis,
        attemptTimeout,
        maxBodyBytes,
        scrub,
        timed
      })

    const withRetries = (id: TokenMeta["api_token_id"], done: number): Effect.Effect<TokenMeta, ApiTokensError> =>
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
                Effect.zipRight(withRetries(id, done + 1))
              )
          )
        }
      )

    const run = Option.match(config.deadline, {
      onNone: () => (id: TokenMeta["api_token_id"]) => withRetries(id, 0),
      onSome: (limit) => {
        const timeout = new Timeout({ limit, scope: "deadline" })
        return (id: TokenMeta["api_token_id"]) =>
          Effect.timeoutFail(withRetries(id, 0), { duration: limit, onTimeout: () => timeout })
      }
    })

    const coalescer = options.coalesce === false ? undefined : makeCoalescer<TokenMeta, ApiTokensError>()
    const shared = coalescer === undefined ? run : (id: ApiTokenId) => coalescer(id, run(id))

    const store = Option.getOrUndefined(
      Option.map(config.cache, (c) => ({ ...c, entries: new TokenCache(c.capacity) }))
    )
    const clock = yield* Effect.clock
    const fetchOrCache = store === undefined ? shared : (id: ApiTokenId) =>
      Effect.tapBoth(shared(id), {
        onSuccess: (value) =>
          Effect.sync(() =>
            store.ttl > 0 &&
            store.entries.set(id, { _tag: "Hit", value, expiresAt: clock.unsafeCurrentTimeMillis() + store.ttl })
          ),
        onFailure: (error) =>
          Effect.sync(() =>
            error._tag === "TokenNotFound" && store.notFoundTtl > 0 &&
            store.entries.set(id, {
              _tag: "NotFound",
              error,
              expiresAt: clock.unsafeCurrentTimeMillis() + store.notFoundTtl
            })
          )
      })

    const traced = (id: ApiTokenId) =>
      withRetrieveSpan(fetchOrCache(id), () => ({
        "deepset.api_token_id": id,
        "http.request.method": "GET",
        "url.full": tokenUrl + id
      }))

    const invalid = (input: string, reason: string) =>
      withRetrieveSpan(new InvalidTokenId({ input: excerpt(scrub, input, 64), reason }), () => ({}))

    const retrieve = (input: string): Effect.Effect<TokenMeta, ApiTokensError> => {
      const parsed = parseApiTokenId(input)
      if (Either.isLeft(parsed)) return invalid(input, parsed.left)
      if (store !== undefined) {
        // A hit is answered without a span or a fiber: it is the hot path caching exists for.
        const hit = store.entries.get(parsed.right, clock.unsafeCurrentTimeMillis())
        if (hit !== undefined) return hit._tag === "Hit" ? Effect.succeed(hit.value) : Effect.fail(hit.error)
      }
      return traced(parsed.right)
    }

    const cache: CacheService | undefined = store === undefined ? undefined : {
      invalidate: (id) =>
        Effect.sync(() => {
          const parsed = parseApiTokenId(id)
          if (Either.isRight(parsed)) store.entries.delete(parsed.right)
        }),
      invalidateAll: Effect.sync(() => store.entries.clear()),
      size: Effect.sync(() => store.entries.size)
    }

    return { service: { retrieve }, cache }
  })

/**
 * The `ApiTokens` service tag, with its layers.
 *
 * @example
 * ```ts
 * import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const tokens = yield* ApiTokens
 *   const meta = yield* tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
 *   yield* Effect.log(meta.name)
 * })
 *
 * program.pipe(
 *   Effect.provide(ApiTokens.layerConfig().pipe(Layer.provide(FetchTransport.layer))),
 *   Effect.runPromise
 * )
 * ```
 *
 * @category tags
 * @since 0.1.0
 */
export class ApiTokens extends Context.Tag("@deepset-tokens/client/ApiTokens")<ApiTokens, Service>() {
  /**
   * The service from explicit options, on whatever `HttpClient` you provide: `FetchTransport.layer` or
   * `UndiciTransport.layer` (the lean path), any other client, or the fake.
   * Fails with `ApiTokensConfigError` for a malformed or insecure base URL or an unusable option.
   */
  static readonly layer = (options: Options): Layer.Layer<ApiTokens, ApiTokensConfigError, HttpClient.HttpClient> =>
    Layer.effect(ApiTokens, make(options))

  /**
   * Like {@link ApiTokens.layer}, with successful results cached for `ttl`, at most `capacity` tokens (least
   * recently used evicted first). Errors are never cached, except a 404 for `notFoundTtl` when given.
   * Also provides `ApiTokensCache` to invalidate entries.
   *
   * **Gotchas**
   *
   * A cached token can be stale for up to `ttl`: a revoked token still reads as it was. Keep `ttl` short
   * where that matters, or invalidate on your own change events.
   */
  static readonly layerCached = (
    options: Options & { readonly cache: CacheOptions }
  ): Layer.Layer<ApiTokens | ApiTokensCache, ApiTokensConfigError, HttpClient.HttpClient> =>
    Layer.effectContext(
      Effect.map(build(options, options.cache), ({ cache, service }) =>
        cache === undefined
          ? Context.make(ApiTokens, service).pipe(Context.add(ApiTokensCache, emptyCache))
          : Context.make(ApiTokens, service).pipe(Context.add(ApiTokensCache, cache)))
    )

  /**
   * The service from the environment: `DEEPSET_API_KEY` (required, kept `Redacted`) and `DEEPSET_API_URL`
   * (optional; an empty value counts as unset). Other options can be given here.
   *
   * **Gotchas**
   *
   * A missing key fails the layer with a `ConfigError` that names `DEEPSET_API_KEY`.
   */
  static readonly layerConfig = (
    options: Omit<Options, "apiKey" | "baseUrl"> = {}
  ): Layer.Layer<ApiTokens, ApiTokensConfigError | ConfigError.ConfigError, HttpClient.HttpClient> =>
    Layer.unwrapEffect(
      Effect.gen(function*() {
        const apiKey = yield* Config.redacted("DEEPSET_API_KEY")
        const baseUrl = yield* Config.option(Config.string("DEEPSET_API_URL"))
        const url = Option.filter(baseUrl, (value) => value.trim().length > 0)
        return ApiTokens.layer({
          ...options,
          apiKey,
          ...(Option.isSome(url) ? { baseUrl: url.value.trim(), region: undefined } : {})
        })
      })
    )
}
