/**
 * The option space, generated: every constructor either builds a client that retrieves a token as documented,
 * or fails with `ApiTokensConfigError` naming the first bad field in the documented order. It never dies.
 * The expected verdict comes from the generators (each value knows whether it is in range), not from the code
 * under test.
 */
import { ApiTokens, ApiTokensCache, ApiTokensConfigError, TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Config,
  ConfigProvider,
  Duration,
  Effect,
  Either,
  Exit,
  FastCheck as fc,
  Layer,
  Option,
  Redacted,
  Schema
} from "effect"

/** A generated option value and whether the documentation says it is in range. */
interface Gen {
  readonly value: unknown
  readonly ok: boolean
}

const valid = (...values: ReadonlyArray<unknown>): fc.Arbitrary<Gen> =>
  fc.constantFrom(...values).map((value) => ({ value, ok: true }))
const invalid = (...values: ReadonlyArray<unknown>): fc.Arbitrary<Gen> =>
  fc.constantFrom(...values).map((value) => ({ value, ok: false }))
const marked = (arbitrary: fc.Arbitrary<unknown>, ok: boolean): fc.Arbitrary<Gen> =>
  arbitrary.map((value) => ({ value, ok }))

const { cacheCapacity, duration, maxBodyBytes, retryTimes } = ApiTokens.limits
const { maxMillis, minMillis } = duration

// Mostly in range, so that a good share of the records is valid throughout and the built client is exercised.
const mostlyValid = (good: fc.Arbitrary<Gen>, bad: fc.Arbitrary<Gen>) =>
  fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: bad, weight: 1 })

const durations = mostlyValid(
  fc.oneof(
    valid(
      minMillis,
      maxMillis,
      "1 millis",
      "250 millis",
      "10 seconds",
      "24 days",
      Duration.millis(1),
      [1, 0],
      1_000_000n
    ),
    marked(fc.integer({ min: minMillis, max: maxMillis }), true)
  ),
  fc.oneof(
    invalid(
      0,
      -1,
      -5,
      0.5,
      NaN,
      Infinity,
      -Infinity,
      maxMillis + 1,
      "0 seconds",
      "-5 seconds",
      "25 days",
      "forever",
      "",
      Duration.zero,
      Duration.infinity,
      Duration.nanos(999_999n),
      null,
      true,
      {}
    ),
    marked(fc.integer({ max: 0 }), false),
    marked(fc.double({ min: maxMillis + 1, noNaN: true }), false)
  )
)

const count = (range: { readonly min: number; readonly max: number }) =>
  mostlyValid(
    fc.oneof(valid(range.min, range.max), marked(fc.integer(range), true)),
    fc.oneof(
      invalid(range.min - 1, range.max + 1, range.min + 0.5, NaN, Infinity, String(range.max), null),
      marked(fc.integer({ max: range.min - 1 }), false),
      marked(fc.integer({ min: range.max + 1 }), false)
    )
  )

/** Absent (the default, always in range) or generated. */
const maybe = (arbitrary: fc.Arbitrary<Gen>) => fc.option(arbitrary, { nil: undefined })

const apiKeys = mostlyValid(
  valid(FakeDeepsetApi.defaultApiKey),
  invalid(Redacted.make(""), Redacted.make("api key"), Redacted.make("api_key\n"), "api_not_redacted")
)

/** Where requests go. All of them reach the fake, which answers by path. */
const locations = fc.oneof(
  { arbitrary: fc.constantFrom({}, { region: "eu" }, { region: "us" }), weight: 4 },
  {
    arbitrary: fc.record({
      baseUrl: fc.constantFrom(
        undefined,
        "https://api.cloud.deepset.ai/api/v1",
        "http://127.0.0.1:4010",
        "not a url",
        "http://example.com"
      ),
      region: fc.constantFrom(undefined, "eu", "us", "mars"),
      allowInsecureHttp: fc.constantFrom(undefined, false, true)
    }),
    weight: 1
  }
)

const space = fc.record({
  apiKey: apiKeys,
  location: locations,
  timeout: maybe(durations),
  deadline: maybe(durations),
  retry: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.constant(false as const), weight: 2 },
    { arbitrary: invalid(null, true, 3, "2"), weight: 1 },
    {
      arbitrary: fc.record({
        times: maybe(count(retryTimes)),
        base: maybe(durations),
        cap: maybe(durations),
        retryAfterCap: maybe(durations)
      }),
      weight: 4
    }
  ),
  maxBodyBytes: maybe(count(maxBodyBytes)),
  coalesce: fc.constantFrom(undefined, true, false),
  cache: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: invalid(null, true, "1 hour"), weight: 1 },
    {
      arbitrary: fc.record({ capacity: count(cacheCapacity), ttl: maybe(durations), notFoundTtl: maybe(durations) }),
      weight: 4
    }
  )
})

type Space = typeof space extends fc.Arbitrary<infer A> ? A : never

const valueOf = (gen: Gen | undefined) => gen?.value

/** A whole `retry` or `cache` generated as one (bad) value, rather than field by field. */
const isGen = (input: object): input is Gen => "ok" in input

/** The options a user would have written, with the generated (possibly ill-typed) values in place. */
const toOptions = (s: Space): Record<string, unknown> => ({
  apiKey: s.apiKey.value,
  ...s.location,
  timeout: valueOf(s.timeout),
  deadline: valueOf(s.deadline),
  retry: s.retry === undefined || s.retry === false ? s.retry : isGen(s.retry) ? s.retry.value : {
    times: valueOf(s.retry.times),
    base: valueOf(s.retry.base),
    cap: valueOf(s.retry.cap),
    retryAfterCap: valueOf(s.retry.retryAfterCap)
  },
  maxBodyBytes: valueOf(s.maxBodyBytes),
  coalesce: s.coalesce,
  cache: s.cache === undefined ? undefined : isGen(s.cache) ? s.cache.value : {
    capacity: s.cache.capacity.value,
    ttl: valueOf(s.cache.ttl),
    notFoundTtl: valueOf(s.cache.notFoundTtl)
  }
})

const inRange = (gen: Gen | undefined) => gen === undefined || gen.ok

const cacheGiven = (s: Space) => s.cache !== undefined && !isGen(s.cache)

/** The first field the documentation says is bad, in the documented order; `undefined` if none. */
const firstBadField = (s: Space): string | undefined => {
  const { allowInsecureHttp, baseUrl, region }: {
    readonly baseUrl?: string | undefined
    readonly region?: string | undefined
    readonly allowInsecureHttp?: boolean | undefined
  } = s.location
  const retry = s.retry === undefined || s.retry === false || isGen(s.retry) ? undefined : s.retry
  const cache = s.cache === undefined || isGen(s.cache) ? undefined : s.cache
  const checks: ReadonlyArray<readonly [string, boolean]> = [
    ["apiKey", s.apiKey.ok],
    ["region", !(baseUrl !== undefined && region !== undefined) && region !== "mars"],
    ["baseUrl", baseUrl !== "not a url" && (baseUrl !== "http://example.com" || allowInsecureHttp === true)],
    ["timeout", inRange(s.timeout)],
    ["deadline", inRange(s.deadline)],
    ["retry", s.retry === undefined || s.retry === false || !isGen(s.retry)],
    ["retry.times", inRange(retry?.times)],
    ["retry.base", inRange(retry?.base)],
    ["retry.cap", inRange(retry?.cap)],
    ["retry.retryAfterCap", inRange(retry?.retryAfterCap)],
    ["maxBodyBytes", inRange(s.maxBodyBytes)],
    ["cache", s.cache === undefined || !isGen(s.cache)],
    ["cache.capacity", cache === undefined || cache.capacity.ok],
    // `ttl` is required with a cache: absent is out of range.
    ["cache.ttl", cache === undefined || (cache.ttl !== undefined && cache.ttl.ok)],
    ["cache.notFoundTtl", cache === undefined || inRange(cache.notFoundTtl)]
  ]
  return checks.find(([, ok]) => !ok)?.[0]
}

// Small enough for the smallest maxBodyBytes (1 KiB), so every client that builds can read it.
const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 5 })[0]!
const tokenBytes = new TextEncoder().encode(JSON.stringify(Schema.encodeSync(TokenMeta)(token))).byteLength

type Constructor = "make" | "layer" | "layerConfig" | "layerConfig with Config values"

/**
 * Builds through one constructor and retrieves the token once. Ill-typed options are the point here, so they
 * go in through `unknown`.
 */
const buildAndRetrieve = (constructor: Constructor, options: Record<string, unknown>) => {
  const typed = options as unknown as ApiTokens.Options
  const asConfig = Object.fromEntries(
    Object.entries(options).map(([key, value]) => [key, Config.succeed(value)])
  ) as unknown as ApiTokens.ConfigOptions
  const retrieveWith = Effect.gen(function*() {
    const tokens = yield* ApiTokens
    const meta = yield* tokens.retrieve(token.api_token_id)
    const cache = yield* Effect.serviceOption(ApiTokensCache)
    return { meta, cacheSize: Option.isSome(cache) ? Option.some(yield* cache.value.size) : Option.none() }
  })
  const viaLayer = (layer: Layer.Layer<ApiTokens, ApiTokensConfigError | unknown, never>) =>
    Effect.flatMap(Layer.build(layer), (context) => Effect.provide(retrieveWith, context))
  const http = FakeDeepsetApi.layer({ tokens: [token] })
  switch (constructor) {
    case "make":
      return Effect.gen(function*() {
        const service = yield* ApiTokens.make(typed)
        const meta = yield* service.retrieve(token.api_token_id)
        const cache = "cache" in service ? (service as ApiTokens.CachedService).cache : undefined
        return { meta, cacheSize: cache === undefined ? Option.none() : Option.some(yield* cache.size) }
      }).pipe(Effect.provide(http))
    case "layer":
      return viaLayer(ApiTokens.layer(typed).pipe(Layer.provide(http)))
    case "layerConfig":
      return viaLayer(ApiTokens.layerConfig(typed).pipe(Layer.provide(http)))
    case "layerConfig with Config values":
      return viaLayer(ApiTokens.layerConfig(asConfig).pipe(Layer.provide(http)))
  }
}

describe("the option space", () => {
  it("the generated records are valid often enough to exercise the built client", () => {
    const sample = fc.sample(space, { numRuns: 1000, seed: 1 })
    const validShare = sample.filter((s) => firstBadField(s) === undefined).length / sample.length
    expect(validShare).toBeGreaterThan(0.2)
    expect(validShare).toBeLessThan(0.8)
  })

  it("the token fits the smallest body cap", () => {
    expect(tokenBytes).toBeLessThanOrEqual(maxBodyBytes.min)
  })

  it.scoped.prop(
    "every constructor builds a working client, or fails with ApiTokensConfigError naming the first bad field",
    [space, fc.constantFrom<Constructor>("make", "layer", "layerConfig", "layerConfig with Config values")],
    ([s, constructor]) =>
      Effect.gen(function*() {
        const options = toOptions(s)
        const expected = firstBadField(s)
        const exit = yield* Effect.exit(buildAndRetrieve(constructor, options)).pipe(
          // DEEPSET_API_URL unset: layerConfig reads it when no baseUrl is given.
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
        // validateOptions runs the same checks without building.
        const verdict = ApiTokens.validateOptions(options as Partial<ApiTokens.Options>)
        if (expected === undefined) {
          expect(Either.isRight(verdict)).toBe(true)
          expect(exit).toStrictEqual(Exit.succeed({
            meta: token,
            cacheSize: cacheGiven(s) ? Option.some(1) : Option.none()
          }))
        } else {
          expect(Either.isLeft(verdict) && verdict.left.field).toBe(expected)
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(false)
          const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          expect(Option.getOrUndefined(failure)).toBeInstanceOf(ApiTokensConfigError)
          const error = Option.getOrThrow(failure) as ApiTokensConfigError
          expect({ field: error.field, constructor }).toEqual({ field: expected, constructor })
          expect(error.reason).toMatch(/^(expected|give either|not an absolute URL|plain http)/)
          expect(JSON.stringify(error) + error.message).not.toContain(Redacted.value(FakeDeepsetApi.defaultApiKey))
        }
      }),
    { fastCheck: { numRuns: 200 } }
  )
})
