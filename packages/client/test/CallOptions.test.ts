/**
 * Per-call options, `retrieve(id, { timeout, retry, deadline })`: their effect under the TestClock, their checks
 * (the constructors' rules, the first bad field named), coalescing and the cache, on the fake and over a real
 * socket on both lean transports and on a client derived from each.
 */
import {
  ApiTokens,
  ApiTokensCache,
  type ApiTokensConfigError,
  type ApiTokensError,
  TokenMeta
} from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault, FaultServer } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, FastCheck as fc, Fiber, Layer, Redacted, Schema, TestClock } from "effect"
import { fakeClient } from "./fixtures.js"
import { leanTransports } from "./transports.js"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 13 })[0]!
const id = token.api_token_id
const body = JSON.stringify(Schema.encodeSync(TokenMeta)(token))

const retrieveWith = (options: ApiTokens.CallOptions | undefined) =>
  Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id, options))

const requestCount = Effect.flatMap(FakeDeepsetApi.FakeDeepsetApi, (api) => Effect.map(api.requests, (r) => r.length))

const seeded = Effect.flatMap(FakeDeepsetApi.FakeDeepsetApi, (api) => api.seed(token))

// A generated option value, and whether the constructors' rules accept it.
interface Field<A> {
  readonly value: A
  readonly ok: boolean
}

const maxMillis = ApiTokens.limits.duration.maxMillis

const absent: fc.Arbitrary<Field<undefined>> = fc.constant({ value: undefined, ok: true })

/** A duration option: valid, on a boundary, or out of range / not a duration. */
const durationField = (maxValid: number): fc.Arbitrary<Field<unknown>> =>
  fc.oneof(
    absent,
    fc.integer({ min: 1, max: maxValid }).map((value) => ({ value, ok: true })),
    fc.constantFrom<unknown>(1, maxValid, Duration.millis(maxValid), `${Math.min(maxValid, 20)} millis`).map((
      value
    ) => ({ value, ok: true })),
    fc.constantFrom<unknown>(0, -1, Number.NaN, maxMillis + 1, Infinity, "soon", true, Duration.zero).map((
      value
    ) => ({ value, ok: false }))
  )

const timesField: fc.Arbitrary<Field<unknown>> = fc.oneof(
  absent,
  fc.integer({ min: 0, max: 10 }).map((value) => ({ value, ok: true })),
  fc.constantFrom<unknown>(-1, 11, 1.5, Number.NaN, "2").map((value) => ({ value, ok: false }))
)

interface Generated {
  readonly timeout: Field<unknown>
  readonly deadline: Field<unknown>
  readonly retry:
    | { readonly _tag: "absent" }
    | { readonly _tag: "false" }
    | { readonly _tag: "notAnObject"; readonly value: unknown }
    | {
      readonly _tag: "policy"
      readonly times: Field<unknown>
      readonly base: Field<unknown>
      readonly cap: Field<unknown>
      readonly retryAfterCap: Field<unknown>
    }
}

/**
 * Per-call option records. `backoffMillis` bounds the valid `base` and `cap`: over a real socket a retry waits
 * in real time.
 */
const generated = (backoffMillis: number): fc.Arbitrary<Generated> =>
  fc.record({
    timeout: durationField(maxMillis),
    deadline: durationField(maxMillis),
    retry: fc.oneof(
      fc.constant({ _tag: "absent" as const }),
      fc.constant({ _tag: "false" as const }),
      fc.constantFrom<unknown>("yes", 3, true, null).map((value) => ({ _tag: "notAnObject" as const, value })),
      fc.record({
        _tag: fc.constant("policy" as const),
        times: timesField,
        base: durationField(backoffMillis),
        cap: durationField(backoffMillis),
        retryAfterCap: durationField(maxMillis)
      })
    )
  })

const toOptions = (g: Generated): ApiTokens.CallOptions => {
  const retry = g.retry._tag === "absent"
    ? undefined
    : g.retry._tag === "false"
    ? false
    : g.retry._tag === "notAnObject"
    ? g.retry.value
    : {
      times: g.retry.times.value,
      base: g.retry.base.value,
      cap: g.retry.cap.value,
      retryAfterCap: g.retry.retryAfterCap.value
    }
  // Deliberately what a JavaScript caller may pass, whatever the types say.
  return { timeout: g.timeout.value, deadline: g.deadline.value, retry } as ApiTokens.CallOptions
}

/** The model: the first field, in the documented order, that the rules refuse. */
const firstBadField = (g: Generated): string | undefined => {
  if (!g.timeout.ok) return "timeout"
  if (!g.deadline.ok) return "deadline"
  if (g.retry._tag === "notAnObject") return "retry"
  if (g.retry._tag === "policy") {
    for (const name of ["times", "base", "cap", "retryAfterCap"] as const) {
      if (!g.retry[name].ok) return `retry.${name}`
    }
  }
  return undefined
}

const layerTimes = 1

/** The retries a valid record means over a layer with `retry: { times: layerTimes }`. */
const effectiveTimes = (g: Generated): number =>
  g.retry._tag === "false"
    ? 0
    : g.retry._tag === "policy" && g.retry.times.value !== undefined
    ? g.retry.times.value as number
    : layerTimes

const configErrorOf = (exit: Exit.Exit<TokenMeta, ApiTokensError | ApiTokensConfigError>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "ApiTokensConfigError"
    ? exit.cause.error
    : undefined

describe("per-call options on the fake, under the TestClock", () => {
  it.effect("a per-call timeout shorter than the layer's fires at its own time", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.delay("30 seconds"))
      const fiber = yield* Effect.fork(retrieveWith({ timeout: "2 seconds", retry: false }))
      yield* TestClock.adjust("1999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.await(fiber)
      expect(exit).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "attempt", limit: Duration.seconds(2) }))
    }).pipe(Effect.provide(fakeClient({ timeout: "10 seconds" }))))

  it.effect("a call without options keeps the layer's timeout", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.delay("30 seconds"))
      const fiber = yield* Effect.fork(retrieveWith(undefined))
      yield* TestClock.adjust("9999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.await(fiber)).toMatchObject(Exit.fail({ _tag: "Timeout", limit: Duration.seconds(10) }))
    }).pipe(Effect.provide(fakeClient({ timeout: "10 seconds", retry: false }))))

  it.effect("a per-call retry: false sends one request where the layer would send four", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.status(503), Fault.status(503), Fault.status(503))
      const fiber = yield* Effect.fork(retrieveWith({ retry: false }))
      yield* TestClock.adjust("1 hour")
      expect(yield* Fiber.await(fiber)).toMatchObject(Exit.fail({ _tag: "ServerError", status: 503 }))
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(fakeClient({ retry: { times: 3 } }))))

  it.effect("a per-call retry overrides the layer's policy field by field", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.status(503), Fault.status(503), Fault.status(503))
      // The layer's times (3) stays; only the backoff changes: three waits of at most 10 ms.
      const fiber = yield* Effect.fork(retrieveWith({ retry: { base: "10 millis", cap: "10 millis" } }))
      yield* TestClock.adjust("30 millis")
      expect(yield* Fiber.await(fiber)).toEqual(Exit.succeed(token))
      expect(yield* requestCount).toBe(4)
    }).pipe(Effect.provide(fakeClient({ retry: { times: 3, base: "1 hour", cap: "1 hour" } }))))

  it.effect("a per-call deadline bounds every attempt and wait of that call", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.status(503), Fault.status(503), Fault.status(503))
      const fiber = yield* Effect.fork(retrieveWith({ deadline: "3 seconds" }))
      yield* TestClock.adjust("2999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.await(fiber)).toMatchObject(
        Exit.fail({ _tag: "Timeout", scope: "deadline", limit: Duration.seconds(3) })
      )
    }).pipe(Effect.provide(fakeClient({ retry: { times: 3, base: "2 seconds" } }))))

  it.effect("a per-call deadline replaces the layer's", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.delay("5 seconds"))
      const fiber = yield* Effect.fork(retrieveWith({ deadline: "1 minute" }))
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.await(fiber)).toEqual(Exit.succeed(token))
    }).pipe(Effect.provide(fakeClient({ deadline: "1 second", timeout: "1 minute" }))))

  it.effect.prop(
    "any option record: the behaviour it asks for, or ApiTokensConfigError naming the first bad field",
    [generated(maxMillis), fc.integer({ min: 0, max: 2 })],
    ([g, faults]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* seeded
        yield* api.script(...Array.from({ length: faults }, () => Fault.status(503)))
        const fiber = yield* Effect.fork(retrieveWith(toOptions(g)))
        // Past any valid backoff (at most 2^31 - 1 ms each) and deadline.
        yield* TestClock.adjust(Duration.days(200))
        const exit = yield* Fiber.await(fiber)
        const bad = firstBadField(g)
        const requests = yield* requestCount
        if (bad !== undefined) {
          expect(configErrorOf(exit)?.field).toBe(bad)
          expect(requests).toBe(0)
          return
        }
        // Typed failures only, never a defect, and never the config error for valid options.
        if (Exit.isFailure(exit)) expect(exit.cause._tag).toBe("Fail")
        expect(configErrorOf(exit)).toBeUndefined()
        const times = effectiveTimes(g)
        if (g.deadline.value === undefined) {
          expect(requests).toBe(Math.min(faults + 1, times + 1))
          expect(Exit.isSuccess(exit)).toBe(faults <= times)
        } else {
          expect(requests).toBeLessThanOrEqual(Math.min(faults + 1, times + 1))
        }
      }).pipe(Effect.provide(fakeClient({ retry: { times: layerTimes } }))),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("a bad option fails even a cache hit, and a bad id after good options is still InvalidTokenId", () =>
    Effect.gen(function*() {
      yield* seeded
      const tokens = yield* ApiTokens
      yield* tokens.retrieve(id)
      const error = yield* Effect.flip(tokens.retrieve(id, { timeout: 0 }))
      expect(error).toMatchObject({ _tag: "ApiTokensConfigError", field: "timeout" })
      const invalid = yield* Effect.flip(tokens.retrieve("nope", { timeout: "1 second" }))
      expect(invalid._tag).toBe("InvalidTokenId")
      const notAnObject = yield* Effect.flip(tokens.retrieve(id, "fast" as unknown as ApiTokens.CallOptions))
      expect(notAnObject).toMatchObject({ _tag: "ApiTokensConfigError", field: "options" })
    }).pipe(Effect.provide(fakeClient({ cache: { ttl: "1 minute", capacity: 10 } }))))

  it("a call without options is typed as it was: ApiTokensConfigError only with options", () => {
    const plain = (tokens: ApiTokens.Service): Effect.Effect<TokenMeta, ApiTokensError> => tokens.retrieve(id)
    const withOptions = (
      tokens: ApiTokens.CachedService
    ): Effect.Effect<TokenMeta, ApiTokensError | ApiTokensConfigError> => tokens.retrieve(id, { timeout: "1 second" })
    expect([plain, withOptions]).toHaveLength(2)
  })
})

describe("per-call options with coalescing and the cache", () => {
  const concurrently = (a: ApiTokens.CallOptions | undefined, b: ApiTokens.CallOptions | undefined) =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* seeded
      yield* api.script(Fault.delay("1 second", undefined), Fault.delay("1 second", undefined))
      const fibers = yield* Effect.forkAll([retrieveWith(a), retrieveWith(b)])
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fibers)).toEqual([token, token])
      return yield* requestCount
    })

  it.effect("calls with different options do not share a request", () =>
    Effect.map(concurrently(undefined, { timeout: "5 seconds" }), (n) => expect(n).toBe(2)).pipe(
      Effect.provide(fakeClient())
    ))

  it.effect("calls with equal options share one", () =>
    Effect.map(concurrently({ retry: false }, { retry: { times: 0 } }), (n) => expect(n).toBe(1)).pipe(
      Effect.provide(fakeClient())
    ))

  it.effect("options equal to the layer's count as none: shared with a plain call", () =>
    Effect.map(concurrently(undefined, { timeout: "10 seconds", retry: { times: 2 } }), (n) => expect(n).toBe(1))
      .pipe(Effect.provide(fakeClient())))

  it.effect("a cache hit answers whatever the options; a miss with options is stored", () =>
    Effect.gen(function*() {
      yield* seeded
      expect(yield* retrieveWith({ timeout: "1 second", retry: false })).toEqual(token)
      expect(yield* retrieveWith({ timeout: "5 seconds", deadline: "1 second" })).toEqual(token)
      expect(yield* retrieveWith(undefined)).toEqual(token)
      expect(yield* requestCount).toBe(1)
      const cache = yield* ApiTokensCache
      expect(yield* cache.size).toBe(1)
    }).pipe(
      Effect.provide(
        ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, cache: { ttl: "1 minute", capacity: 10 } }).pipe(
          Layer.provideMerge(FakeDeepsetApi.layer())
        )
      )
    ))
})

const apiKey = Redacted.make("api_call_options_key_5e1f")

describe.each(leanTransports)("per-call options over a real socket, %s", (_, transport) => {
  const client = (url: string) =>
    ApiTokens.layer({ apiKey, baseUrl: url, timeout: "1 hour", retry: { times: layerTimes, base: "1 millis" } }).pipe(
      Layer.provide(transport)
    )

  it.scopedLive("a per-call timeout aborts a slow answer at its own time", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.SlowHeaders({ ms: 5_000, then: FaultServer.Behavior.Respond({ status: 200, body }) })
      )
      const started = Date.now()
      const exit = yield* Effect.exit(
        retrieveWith({ timeout: "100 millis", retry: false }).pipe(
          Effect.provide(client(server.url))
        )
      )
      expect(exit).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "attempt", limit: Duration.millis(100) }))
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(yield* server.requests).toHaveLength(1)
    }))

  it.scopedLive("a per-call retry: false sends one request", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.Respond({ status: 503 }),
        FaultServer.Behavior.Respond({ status: 200, body })
      )
      const exit = yield* Effect.exit(retrieveWith({ retry: false }).pipe(Effect.provide(client(server.url))))
      expect(exit).toMatchObject(Exit.fail({ _tag: "ServerError", status: 503 }))
      expect(yield* server.requests).toHaveLength(1)
    }))

  it.scopedLive("a per-call deadline bounds the call", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.SlowHeaders({ ms: 5_000, then: FaultServer.Behavior.Respond({ status: 200, body }) })
      )
      const exit = yield* Effect.exit(retrieveWith({ deadline: "150 millis" }).pipe(Effect.provide(client(server.url))))
      expect(exit).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "deadline", limit: Duration.millis(150) }))
    }))

  it.scopedLive.prop(
    "any option record: the answer, a typed failure, or ApiTokensConfigError naming the first bad field",
    [generated(20)],
    ([g]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        // One answer per possible attempt: an unscripted request would get a 404.
        yield* server.script(...Array.from({ length: 11 }, () => FaultServer.Behavior.Respond({ status: 200, body })))
        const exit = yield* Effect.exit(retrieveWith(toOptions(g)).pipe(Effect.provide(client(server.url))))
        const bad = firstBadField(g)
        if (bad !== undefined) {
          expect(configErrorOf(exit)?.field).toBe(bad)
          expect(yield* server.requests).toHaveLength(0)
          return
        }
        if (Exit.isSuccess(exit)) {
          expect(exit.value).toEqual(token)
        } else {
          // Only a limit as short as a millisecond can stop a loopback answer; never a defect.
          expect(exit.cause._tag).toBe("Fail")
          expect(exit).toMatchObject(Exit.fail({ _tag: "Timeout" }))
        }
        expect((yield* server.requests).length).toBeLessThanOrEqual(effectiveTimes(g) + 1)
      }),
    { fastCheck: { numRuns: 40 } }
  )
})
