import { ApiTokens, ApiTokensCache, ApiTokensConfigError } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi } from "@deepset-tokens/testing"
import type { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigError, ConfigProvider, Duration, Effect, Exit, FastCheck as fc, Layer, Redacted } from "effect"

const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

/** Retrieves once through a fresh fake and returns the URL the fake saw. */
const urlSeen = (layer: Layer.Layer<ApiTokens, unknown, HttpClient.HttpClient>) =>
  Effect.gen(function*() {
    const tokens = yield* ApiTokens
    yield* Effect.exit(tokens.retrieve(id))
    const [request] = yield* (yield* FakeDeepsetApi.FakeDeepsetApi).requests
    return request?.url
  }).pipe(Effect.provide(layer.pipe(Layer.provideMerge(FakeDeepsetApi.layer()))))

const configError = (options: Parameters<typeof ApiTokens.layer>[0]) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Layer.build(ApiTokens.layer(options)).pipe(Effect.scoped))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      expect(exit.cause.error).toBeInstanceOf(ApiTokensConfigError)
      return exit.cause.error as ApiTokensConfigError
    }
    throw new Error("expected a typed failure")
  }).pipe(Effect.provide(FakeDeepsetApi.layer()))

const apiKey = FakeDeepsetApi.defaultApiKey

describe("base URL", () => {
  it.effect.prop(
    "with or without a trailing / or /api/v1, requests go to <origin>/api/v1/token/{id}",
    [fc.constantFrom("", "/", "/api/v1", "/api/v1/", "/API/V1", "//")],
    ([suffix]) =>
      Effect.gen(function*() {
        expect(yield* urlSeen(ApiTokens.layer({ apiKey, baseUrl: `https://api.cloud.deepset.ai${suffix}` })))
          .toBe(`https://api.cloud.deepset.ai/api/v1/token/${id}`)
      })
  )

  it.effect("keeps a gateway path prefix", () =>
    Effect.gen(function*() {
      expect(yield* urlSeen(ApiTokens.layer({ apiKey, baseUrl: "https://gw.example.com/deepset/api/v1" })))
        .toBe(`https://gw.example.com/deepset/api/v1/token/${id}`)
    }))

  it.effect("defaults to the EU host, and region picks the US one", () =>
    Effect.gen(function*() {
      expect(yield* urlSeen(ApiTokens.layer({ apiKey }))).toBe(`https://api.cloud.deepset.ai/api/v1/token/${id}`)
      expect(yield* urlSeen(ApiTokens.layer({ apiKey, region: "eu" }))).toBe(
        `https://api.cloud.deepset.ai/api/v1/token/${id}`
      )
      expect(yield* urlSeen(ApiTokens.layer({ apiKey, region: "us" }))).toBe(
        `https://api.us.deepset.ai/api/v1/token/${id}`
      )
    }))

  it.effect("plain http is allowed for loopback hosts only", () =>
    Effect.gen(function*() {
      for (const host of ["127.0.0.1:4010", "127.9.8.7", "localhost:4010", "[::1]:4010", "api.localhost"]) {
        expect(yield* urlSeen(ApiTokens.layer({ apiKey, baseUrl: `http://${host}` }))).toBe(
          `http://${host}/api/v1/token/${id}`
        )
      }
    }))

  it.effect.prop(
    "plain http to any other host is refused unless opted in",
    [fc.constantFrom("api.cloud.deepset.ai", "10.0.0.1", "192.168.1.2", "128.0.0.1", "localhost.evil.com", "[::2]")],
    ([host]) =>
      Effect.gen(function*() {
        const error = yield* configError({ apiKey, baseUrl: `http://${host}` })
        expect(error.field).toBe("baseUrl")
        expect(error.message).toContain("unencrypted")
        expect(yield* urlSeen(ApiTokens.layer({ apiKey, baseUrl: `http://${host}`, allowInsecureHttp: true })))
          .toBe(`http://${host}/api/v1/token/${id}`)
      })
  )

  it.effect("malformed URLs and options are typed configuration errors", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Parameters<typeof ApiTokens.layer>[0], string]> = [
        [{ apiKey, baseUrl: "not a url" }, "baseUrl"],
        [{ apiKey, baseUrl: "ftp://api.cloud.deepset.ai" }, "baseUrl"],
        [{ apiKey, baseUrl: "https://user:pw@api.cloud.deepset.ai" }, "baseUrl"],
        [{ apiKey, baseUrl: "https://api.cloud.deepset.ai/?x=1" }, "baseUrl"],
        [{ apiKey, baseUrl: "https://api.cloud.deepset.ai", region: "us" }, "region"],
        [{ apiKey, region: "mars" as "eu" }, "region"],
        [{ apiKey: Redacted.make("") }, "apiKey"],
        [{ apiKey: Redacted.make("api_key\r\nX-Evil: 1") }, "apiKey"],
        [{ apiKey, timeout: "forever" as "1 second" }, "timeout"],
        [{ apiKey, timeout: 0 }, "timeout"],
        [{ apiKey, timeout: -5 }, "timeout"],
        [{ apiKey, timeout: "-5 seconds" }, "timeout"],
        [{ apiKey, timeout: Duration.infinity }, "timeout"],
        [{ apiKey, timeout: "30 days" }, "timeout"],
        [{ apiKey, deadline: 0 }, "deadline"],
        [{ apiKey, retry: { times: -1 } }, "retry.times"],
        [{ apiKey, retry: { times: 1e9 } }, "retry.times"],
        [{ apiKey, retry: { base: -1 } }, "retry.base"],
        [{ apiKey, retry: { cap: "-1 seconds" } }, "retry.cap"],
        [{ apiKey, retry: { retryAfterCap: NaN } }, "retry.retryAfterCap"],
        [{ apiKey, maxBodyBytes: 0 }, "maxBodyBytes"],
        [{ apiKey, cache: { ttl: 0, capacity: 10 } }, "cache.ttl"],
        [{ apiKey, cache: { ttl: "1 hour", capacity: 10, notFoundTtl: 0 } }, "cache.notFoundTtl"],
        [{ apiKey, cache: { ttl: "1 hour", capacity: 1e6 } }, "cache.capacity"],
        [null as unknown as ApiTokens.Options, "options"]
      ]
      for (const [options, field] of cases) {
        const error = yield* configError(options)
        expect({ field: error.field, reason: error.reason }).toMatchObject({ field, reason: /^expected|^give|^not/ })
      }
    }))

  it.effect("a configuration error never shows the key", () =>
    Effect.gen(function*() {
      const error = yield* configError({ apiKey: Redacted.make("api_secret value"), baseUrl: "http://example.com" })
      expect(JSON.stringify(error) + String(error)).not.toContain("secret")
      const bad = yield* configError({ apiKey: Redacted.make("api_secret value") })
      expect(JSON.stringify(bad) + String(bad) + bad.message).not.toContain("secret")
    }))
})

describe("layerConfig", () => {
  const withEnv = (env: Record<string, string>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("reads DEEPSET_API_KEY and DEEPSET_API_URL", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.tokenMeta, { numRuns: 1, seed: 11 })[0]!
      yield* api.seed(token)
      const got = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id)).pipe(
        Effect.provide(ApiTokens.layerConfig()),
        withEnv({ DEEPSET_API_KEY: Redacted.value(apiKey), DEEPSET_API_URL: "http://127.0.0.1:4010/api/v1/" })
      )
      expect(got.name).toBe(token.name)
      expect((yield* api.requests)[0]?.url).toBe(`http://127.0.0.1:4010/api/v1/token/${token.api_token_id}`)
    }).pipe(Effect.provide(FakeDeepsetApi.layer())))

  it.effect("an empty DEEPSET_API_URL means the default host", () =>
    Effect.gen(function*() {
      const url = yield* urlSeen(ApiTokens.layerConfig()).pipe(
        withEnv({ DEEPSET_API_KEY: Redacted.value(apiKey), DEEPSET_API_URL: "" })
      )
      expect(url).toBe(`https://api.cloud.deepset.ai/api/v1/token/${id}`)
    }))

  it.effect("a missing key is a ConfigError naming DEEPSET_API_KEY", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(ApiTokens.layerConfig()).pipe(Effect.scoped, withEnv({})))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        const error = exit.cause.error
        expect(ConfigError.isConfigError(error) && ConfigError.isMissingDataOnly(error)).toBe(true)
        expect(String(exit.cause.error)).toContain("DEEPSET_API_KEY")
      }
    }).pipe(Effect.provide(FakeDeepsetApi.layer())))

  it.effect("an insecure DEEPSET_API_URL is the typed configuration error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(ApiTokens.layerConfig()).pipe(
          Effect.scoped,
          withEnv({ DEEPSET_API_KEY: "k", DEEPSET_API_URL: "http://api.cloud.deepset.ai" })
        )
      )
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("ApiTokensConfigError")
    }).pipe(Effect.provide(FakeDeepsetApi.layer())))
})

describe("layerConfig with Config values", () => {
  const withEnv = (env: Record<string, string>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("reads each option from the Config it is given, cache included", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.tokenMeta, { numRuns: 1, seed: 12 })[0]!
      yield* api.seed(token)
      const layer = ApiTokens.layerConfig({
        apiKey: Config.redacted("MY_KEY"),
        baseUrl: Config.string("MY_URL"),
        timeout: Config.duration("MY_TIMEOUT"),
        retry: { times: 0 },
        cache: Config.all({ ttl: Config.duration("MY_TTL"), capacity: Config.integer("MY_CAPACITY") })
      })
      const size = yield* Effect.gen(function*() {
        yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id))
        yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id))
        return yield* Effect.flatMap(ApiTokensCache, (cache) => cache.size)
      }).pipe(
        Effect.provide(layer),
        withEnv({
          MY_KEY: Redacted.value(apiKey),
          MY_URL: "http://127.0.0.1:4010",
          MY_TIMEOUT: "2 seconds",
          MY_TTL: "1 minute",
          MY_CAPACITY: "10"
        })
      )
      expect(size).toBe(1)
      const requests = yield* api.requests
      expect(requests.map((r) => r.url)).toEqual([`http://127.0.0.1:4010/api/v1/token/${token.api_token_id}`])
    }).pipe(Effect.provide(FakeDeepsetApi.layer())))

  it.effect("a value read from Config gets the same checks: a zero timeout is ApiTokensConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(ApiTokens.layerConfig({ timeout: Config.duration("MY_TIMEOUT") })).pipe(
          Effect.scoped,
          withEnv({ DEEPSET_API_KEY: "k", MY_TIMEOUT: "0 millis" })
        )
      )
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
        _tag: "ApiTokensConfigError",
        field: "timeout"
      })
    }).pipe(Effect.provide(FakeDeepsetApi.layer())))

  it.effect("a blank baseUrl from Config counts as unset; DEEPSET_API_URL replaces a region given in code", () =>
    Effect.gen(function*() {
      const key = Redacted.value(apiKey)
      expect(
        yield* urlSeen(ApiTokens.layerConfig({ baseUrl: Config.string("MY_URL") })).pipe(
          withEnv({ DEEPSET_API_KEY: key, MY_URL: "  " })
        )
      ).toBe(`https://api.cloud.deepset.ai/api/v1/token/${id}`)
      expect(
        yield* urlSeen(ApiTokens.layerConfig({ region: "us" })).pipe(
          withEnv({ DEEPSET_API_KEY: key, DEEPSET_API_URL: "http://127.0.0.1:4010" })
        )
      ).toBe(`http://127.0.0.1:4010/api/v1/token/${id}`)
      expect(yield* urlSeen(ApiTokens.layerConfig({ region: "us" })).pipe(withEnv({ DEEPSET_API_KEY: key })))
        .toBe(`https://api.us.deepset.ai/api/v1/token/${id}`)
    }))
})

describe("make", () => {
  it.effect("with a cache, the service carries the cache's handle", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.tokenMeta, { numRuns: 1, seed: 13 })[0]!
      yield* api.seed(token)
      const tokens = yield* ApiTokens.make({ apiKey, cache: { ttl: "1 minute", capacity: 10 } })
      yield* tokens.retrieve(token.api_token_id)
      expect(yield* tokens.cache.size).toBe(1)
      yield* tokens.cache.invalidateAll
      expect(yield* tokens.cache.size).toBe(0)
      const plain = yield* ApiTokens.make({ apiKey })
      expect("cache" in plain).toBe(false)
    }).pipe(Effect.provide(FakeDeepsetApi.layer())))
})

// Compile-time: the layers provide ApiTokensCache exactly when given a cache.
type Equals<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
const _cached = ApiTokens.layer({ apiKey, cache: { ttl: "1 minute", capacity: 1 } })
const _cachedFromConfig = ApiTokens.layerConfig({ cache: { ttl: "1 minute", capacity: 1 } })
const _plain = ApiTokens.layerConfig({ timeout: "1 second" })
const provides: [
  Equals<Layer.Layer.Success<typeof _cached>, ApiTokens | ApiTokensCache>,
  Equals<Layer.Layer.Success<typeof _cachedFromConfig>, ApiTokens | ApiTokensCache>,
  Equals<Layer.Layer.Success<typeof _plain>, ApiTokens>
] = [true, true, true]
it("layer types follow the cache option", () => {
  expect(provides).toEqual([true, true, true])
})
