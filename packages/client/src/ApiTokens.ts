/**
 * The `ApiTokens` service: retrieve an API token's metadata from the deepset AI Platform.
 *
 * Everything is reached from the `ApiTokens` tag: its constructors (`make`, `layer`, `layerConfig`), the
 * option checks they run (`validateOptions`, `limits`), and, in its namespace, the types (`ApiTokens.Options`,
 * `ApiTokens.Service`, ...).
 *
 * @since 0.1.0
 */
import type { ApiTokensError, TokenMeta } from "@deepset-tokens/domain"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { ApiTokensCache } from "./ApiTokensCache.js"
import type { ApiTokensConfigError } from "./ApiTokensConfigError.js"
import * as internal from "./internal/apiTokens.js"
import * as resolve from "./internal/options.js"
import { userAgent } from "./internal/userAgent.js"
import type * as RetryPolicy from "./RetryPolicy.js"

/**
 * The `ApiTokens` service tag, with its constructors.
 *
 * **When to use**
 *
 * `yield* ApiTokens` in your program, and provide it with `ApiTokens.layerConfig()` (key and URL from the
 * environment) or `ApiTokens.layer(options)`, on an `HttpClient`: `FetchTransport.layer`,
 * `UndiciTransport.layer`, any other client, or the fake from `@deepset-tokens/testing`.
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
export class ApiTokens extends Context.Tag(internal.key)<ApiTokens, ApiTokens.Service>() {
  /**
   * Builds the service from options, on the `HttpClient` in context. The request pipeline is built here,
   * once.
   *
   * **When to use**
   *
   * When you manage the service's lifetime yourself; otherwise provide a layer.
   *
   * **Details**
   *
   * On the client `FetchTransport` or `UndiciTransport` provides, each attempt is one request with no fiber
   * of its own (the lean path); a client derived from one on the request side (`HttpClient.mapRequest`, ...)
   * keeps it, with its mapping applied. Any other `HttpClient` (the platform's clients, one derived on the
   * response side, the fake) goes through the platform pipeline: the same behavior, a higher cost per call.
   * With `cache`, the service also carries the cache's handle as `cache`.
   *
   * Fails with `ApiTokensConfigError` naming the first bad option (see {@link ApiTokens.validateOptions}).
   *
   * @example
   * ```ts
   * import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
   * import { Effect, Redacted } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const tokens = yield* ApiTokens.make({
   *     apiKey: Redacted.make("api_..."),
   *     cache: { ttl: "1 minute", capacity: 1000 }
   *   })
   *   const meta = yield* tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
   *   yield* tokens.cache.invalidate(meta.api_token_id)
   * }).pipe(Effect.provide(FetchTransport.layer))
   * ```
   *
   * @category constructors
   * @since 0.1.0
   */
  static readonly make: {
    (
      options: ApiTokens.Options & { readonly cache: ApiTokensCache.Options }
    ): Effect.Effect<ApiTokens.CachedService, ApiTokensConfigError, HttpClient.HttpClient>
    (options: ApiTokens.Options): Effect.Effect<ApiTokens.Service, ApiTokensConfigError, HttpClient.HttpClient>
  } = internal.make

  /**
   * The service from explicit options, as a layer on whatever `HttpClient` you provide. With `cache`, the
   * layer also provides `ApiTokensCache`.
   *
   * Fails with `ApiTokensConfigError` naming the first bad option (see {@link ApiTokens.validateOptions}).
   *
   * **Gotchas**
   *
   * A cached token can be stale for up to `cache.ttl`: a revoked token still reads as it was. Keep `ttl`
   * short where that matters, or invalidate on your own change events.
   *
   * @example
   * ```ts
   * import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
   * import { Layer, Redacted } from "effect"
   *
   * // Provides ApiTokens and ApiTokensCache.
   * const live = ApiTokens.layer({
   *   apiKey: Redacted.make("api_..."),
   *   region: "us",
   *   timeout: "5 seconds",
   *   cache: { ttl: "30 seconds", capacity: 1000 }
   * }).pipe(Layer.provide(FetchTransport.layer))
   * ```
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layer: {
    (
      options: ApiTokens.Options & { readonly cache: ApiTokensCache.Options }
    ): Layer.Layer<ApiTokens | ApiTokensCache, ApiTokensConfigError, HttpClient.HttpClient>
    (options: ApiTokens.Options): Layer.Layer<ApiTokens, ApiTokensConfigError, HttpClient.HttpClient>
  } = internal.layer

  /**
   * The service with its options read from `Config`: each option may be a plain value or a `Config` of
   * one. `apiKey` defaults to `Config.redacted("DEEPSET_API_KEY")` and `baseUrl` to the optional
   * `DEEPSET_API_URL`. With `cache`, the layer also provides `ApiTokensCache`.
   *
   * **Details**
   *
   * A `baseUrl` read from `Config` that is empty or blank counts as unset (the default host). When the
   * default `DEEPSET_API_URL` is set it replaces a `region` given here, so the environment can repoint a
   * deployment; a `baseUrl` you pass together with a `region` is refused as in {@link ApiTokens.layer}.
   *
   * **Gotchas**
   *
   * A missing key fails the layer with a `ConfigError` that names the variable; a bad value of any option,
   * however it was read, with `ApiTokensConfigError`.
   *
   * @example
   * ```ts
   * import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
   * import { Config, Layer } from "effect"
   *
   * const live = ApiTokens.layerConfig({
   *   apiKey: Config.redacted("MY_DEEPSET_KEY"),
   *   timeout: Config.duration("DEEPSET_TIMEOUT").pipe(Config.withDefault("10 seconds")),
   *   retry: { times: 3 }
   * }).pipe(Layer.provide(FetchTransport.layer))
   * ```
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layerConfig: {
    (
      options: ApiTokens.ConfigOptions & {
        readonly cache: ApiTokensCache.Options | Config.Config<ApiTokensCache.Options>
      }
    ): Layer.Layer<ApiTokens | ApiTokensCache, ApiTokensConfigError | ConfigError.ConfigError, HttpClient.HttpClient>
    (
      options?: ApiTokens.ConfigOptions
    ): Layer.Layer<ApiTokens, ApiTokensConfigError | ConfigError.ConfigError, HttpClient.HttpClient>
  } = internal.layerConfig

  /**
   * Runs the checks every constructor runs, without building anything: `Right` when the options are usable,
   * else `Left` with the `ApiTokensConfigError` a constructor would fail with.
   *
   * **When to use**
   *
   * To refuse options from elsewhere (command-line flags, a settings file) early and in your own words,
   * with the library's rules, so the two cannot drift. Map `error.field` back to where the value came from.
   *
   * **Details**
   *
   * Options are checked in this order, and the first bad one is reported: `apiKey` (only when given here),
   * `region`/`baseUrl`, `timeout`, `deadline`, `retry` (`false` or an object), `retry.times`, `retry.base`,
   * `retry.cap`, `retry.retryAfterCap`, `maxBodyBytes`, `cache` (an object), `cache.capacity`, `cache.ttl`,
   * `cache.notFoundTtl`. The ranges
   * are in {@link ApiTokens.limits} and on each field of {@link ApiTokens.Options}.
   *
   * @example
   * ```ts
   * import { ApiTokens } from "@deepset-tokens/client"
   * import { Duration, Either } from "effect"
   *
   * const checked = ApiTokens.validateOptions({ timeout: Duration.millis(0), retry: { times: 2 } })
   * if (Either.isLeft(checked)) console.error(`${checked.left.field}: ${checked.left.reason}`)
   * ```
   *
   * @category validation
   * @since 0.1.0
   */
  static readonly validateOptions: (
    options: Partial<ApiTokens.Options>
  ) => Either.Either<void, ApiTokensConfigError> = resolve.validateOptions

  /**
   * The documented range of each option, as the checks apply it.
   *
   * **Details**
   *
   * - `duration`: every duration option (`timeout`, `deadline`, `retry.base`, `retry.cap`,
   *   `retry.retryAfterCap`, `cache.ttl`, `cache.notFoundTtl`) is from 1 ms to 2^31 − 1 ms (about 24.8
   *   days). Zero, negative, NaN and infinite durations are refused. The upper bound is the longest wait
   *   Effect's clock (and a JS timer) can hold: a longer one never fires, so it would silently mean "never".
   * - `retryTimes`: 0 to 10. Ten retries at the default backoff already wait about a minute between
   *   attempts; a longer outage is better met with a `deadline` and your own schedule than by holding the
   *   caller (unbounded, `times: 1e9` would hold it for centuries).
   * - `maxBodyBytes`: 1 KiB to 64 MiB. A token's metadata is a few hundred bytes to a few kilobytes; below
   *   1 KiB real answers would not fit, and the body is held in memory whole, per call in flight.
   * - `cacheCapacity`: 1 to 100,000 entries, about a kilobyte each.
   *
   * @category constants
   * @since 0.1.0
   */
  static readonly limits: {
    readonly duration: { readonly minMillis: number; readonly maxMillis: number }
    readonly retryTimes: { readonly min: number; readonly max: number }
    readonly maxBodyBytes: { readonly min: number; readonly max: number }
    readonly cacheCapacity: { readonly min: number; readonly max: number }
  } = resolve.limits

  /**
   * The User-Agent every request sends: `deepset-tokens/<version> (@deepset-tokens/client)`.
   *
   * @category constants
   * @since 0.1.0
   */
  static readonly userAgent: string = userAgent
}

/**
 * The types of the `ApiTokens` service and its constructors.
 *
 * @since 0.1.0
 */
export declare namespace ApiTokens {
  /**
   * What `ApiTokens.make` and `ApiTokens.layer` take. Each field's valid range is stated on it; a value out
   * of range fails the constructor with `ApiTokensConfigError` naming the field.
   *
   * @category models
   * @since 0.1.0
   */
  export interface Options {
    /**
     * The deepset API key, sent as `Authorization: Bearer`. Non-empty, without whitespace or control
     * characters.
     */
    readonly apiKey: Redacted.Redacted<string>
    /**
     * Default `https://api.cloud.deepset.ai`. An absolute `https://` URL, with or without a trailing `/` or
     * `/api/v1`, without credentials, query or fragment. A path prefix (a gateway) is kept. Plain `http://`
     * is refused except for loopback hosts, unless `allowInsecureHttp`.
     */
    readonly baseUrl?: string | URL | undefined
    /** `"eu"` (api.cloud.deepset.ai) or `"us"` (api.us.deepset.ai). Give this or `baseUrl`, not both. */
    readonly region?: "eu" | "us" | undefined
    /**
     * Per-attempt limit covering connect, headers and body. Default 10 s; from 1 ms to 2^31 − 1 ms (about
     * 24.8 days).
     */
    readonly timeout?: Duration.DurationInput | undefined
    /**
     * One limit on all attempts and waits together. Default none; from 1 ms to 2^31 − 1 ms.
     */
    readonly deadline?: Duration.DurationInput | undefined
    /**
     * Override parts of {@link RetryPolicy.defaults}, or `false` for no retries. `times` from 0 to 10;
     * `base`, `cap` and `retryAfterCap` from 1 ms to 2^31 − 1 ms.
     */
    readonly retry?: Partial<RetryPolicy.RetryPolicy> | false | undefined
    /** Largest response body read, in bytes. Default 1 MiB; an integer from 1,024 (1 KiB) to 67,108,864 (64 MiB). */
    readonly maxBodyBytes?: number | undefined
    /** Allow plain `http://` to a non-loopback host. The key then travels unencrypted. Default `false`. */
    readonly allowInsecureHttp?: boolean | undefined
    /**
     * Allow `ApiTokens` in a web page. Default `false`: in a page the key is visible to every visitor, so every
     * constructor refuses with `ApiTokensConfigError` (field `dangerouslyAllowBrowser`) unless this is `true`.
     * Workers and server runtimes are never refused.
     */
    readonly dangerouslyAllowBrowser?: boolean | undefined
    /**
     * Concurrent `retrieve` calls for the same id share one request and its outcome. Default `true`.
     * Interrupting one caller leaves the others waiting; the request is aborted when the last one leaves.
     */
    readonly coalesce?: boolean | undefined
    /**
     * Keep retrieved tokens in memory (see `ApiTokensCache.Options` for the ranges). Default none. With a
     * cache, `make` returns a {@link ApiTokens.CachedService} and the layers also provide `ApiTokensCache`.
     */
    readonly cache?: ApiTokensCache.Options | undefined
  }

  /**
   * What `ApiTokens.layerConfig` takes: each option of {@link ApiTokens.Options} as a plain value or as a
   * `Config` of one, all optional. `apiKey` defaults to `Config.redacted("DEEPSET_API_KEY")`, `baseUrl` to
   * the optional `DEEPSET_API_URL`.
   *
   * @category models
   * @since 0.1.0
   */
  export type ConfigOptions = {
    readonly [K in keyof Options]?: Options[K] | Config.Config<Options[K]> | undefined
  }

  /**
   * What one `retrieve` call may override of the service's options: `timeout`, `deadline` and `retry`, with the
   * same types, rules and ranges as in {@link ApiTokens.Options}.
   *
   * **When to use**
   *
   * When one call needs other limits than the rest: a health check that must answer within 500 ms and not
   * retry, a batch job that may wait longer. As Stainless SDKs take `retrieve(id, { timeout, maxRetries })`.
   *
   * **Details**
   *
   * - No options (`undefined`, or `null` from JavaScript) is the plain call. Each field left out (or
   *   `undefined`) keeps the service's value. `retry` overrides the service's policy
   *   field by field (`{ times: 0 }` keeps its `base`); `false` is no retries. `deadline` replaces the
   *   service's deadline, or sets one where it has none.
   * - The values are checked as the constructors check theirs, in the order `timeout`, `deadline`, `retry`,
   *   `retry.times`, `retry.base`, `retry.cap`, `retry.retryAfterCap`, before the id. The first bad one fails
   *   that call, and only that call, with `ApiTokensConfigError` naming it; nothing is sent.
   * - The service's pipeline is built once; a call with options only resolves them into a small record.
   * - Coalescing: a call shares a request only with concurrent calls for the same id whose resolved timeout,
   *   retry policy and deadline are all equal to its own. Options equal to the service's count as none, so
   *   such a call still shares with plain calls. A call never waits on a request made under other limits.
   * - Cache: a fresh entry answers the call whatever its options (they say how to ask the server, not how
   *   fresh an answer must be). A miss is fetched under the call's options and stored as any other.
   *
   * **Gotchas**
   *
   * Options the service takes only at construction (`maxBodyBytes`, `baseUrl`, `cache`, ...) are not per-call
   * options: any other field is ignored, as an unknown constructor option is.
   *
   * @example
   * ```ts
   * import { ApiTokens } from "@deepset-tokens/client"
   * import { Effect } from "effect"
   *
   * const quickCheck = Effect.gen(function*() {
   *   const tokens = yield* ApiTokens
   *   // One attempt of at most 500 ms, whatever the service's own limits.
   *   return yield* tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301", { timeout: "500 millis", retry: false })
   * })
   * ```
   *
   * @category models
   * @since 0.1.0
   */
  export interface CallOptions {
    /** This call's per-attempt limit. From 1 ms to 2^31 − 1 ms. */
    readonly timeout?: Duration.DurationInput | undefined
    /** This call's limit on all its attempts and waits together. From 1 ms to 2^31 − 1 ms. */
    readonly deadline?: Duration.DurationInput | undefined
    /** Override parts of the service's retry policy for this call, or `false` for no retries. */
    readonly retry?: Partial<RetryPolicy.RetryPolicy> | false | undefined
  }

  /**
   * @category models
   * @since 0.1.0
   */
  export interface Service {
    /**
     * Retrieves a token's metadata by id (`GET /api/v1/token/{id}`). The id may be any UUID in any case; it
     * is checked before any request is sent and sent in lowercase.
     *
     * With {@link ApiTokens.CallOptions}, this call runs under its own `timeout`, `retry` and `deadline`; a
     * bad option fails the call with `ApiTokensConfigError` naming it. Without options the call cannot fail
     * with `ApiTokensConfigError`, and costs nothing more than before options existed.
     */
    readonly retrieve: {
      (id: string): Effect.Effect<TokenMeta, ApiTokensError>
      (
        id: string,
        options: ApiTokens.CallOptions | undefined
      ): Effect.Effect<TokenMeta, ApiTokensError | ApiTokensConfigError>
    }
  }

  /**
   * What `ApiTokens.make` returns when given `cache`: the service and its cache's handle.
   *
   * @category models
   * @since 0.1.0
   */
  export interface CachedService extends Service {
    readonly cache: ApiTokensCache.Service
  }
}
