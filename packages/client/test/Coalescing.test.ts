import { ApiTokens, ApiTokensCache } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, FastCheck as fc, Fiber, Layer, TestClock } from "effect"
import { fakeClient } from "./fixtures.js"

const retrieve = (id: string) => Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id))
const requestsFor = (id: string) =>
  Effect.flatMap(
    FakeDeepsetApi.FakeDeepsetApi,
    (api) => Effect.map(api.requests, (all) => all.filter((r) => r.url.endsWith(id)).length)
  )

const cached = (cache: ApiTokensCache.Options) =>
  ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, cache }).pipe(
    Layer.provideMerge(FakeDeepsetApi.layer())
  )

describe("coalescing", () => {
  it.effect.prop(
    "N concurrent callers over K ids: one request per distinct id in flight, one outcome per id",
    [
      fc.uniqueArray(Arbitraries.apiTokenId, { minLength: 1, maxLength: 4 }).chain((ids) =>
        fc.record({
          ids: fc.constant(ids),
          // Each caller: which id, and how far into the (slow) request it arrives.
          callers: fc.array(
            fc.record({ id: fc.constantFrom(...ids), at: fc.integer({ min: 0, max: 900 }) }),
            { minLength: 1, maxLength: 30 }
          ),
          // Ids not seeded answer 404: every id has one outcome, success or a typed failure.
          present: fc.subarray(ids)
        })
      ),
      Arbitraries.tokenMeta
    ],
    ([{ callers, ids, present }, template]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        for (const id of present) yield* api.seed({ ...template, api_token_id: id })
        // Every request takes one second (the fake's latency), so all callers arrive while it is in flight.
        const arrivals = [...callers].sort((a, b) => a.at - b.at)
        const fibers: Array<{ id: string; fiber: Fiber.RuntimeFiber<unknown, unknown> }> = []
        let now = 0
        for (const caller of arrivals) {
          yield* TestClock.adjust(Duration.millis(caller.at - now))
          now = caller.at
          fibers.push({ id: caller.id, fiber: yield* Effect.fork(retrieve(caller.id)) })
          yield* Effect.yieldNow()
        }
        yield* TestClock.adjust(Duration.seconds(5))
        const exits = yield* Effect.forEach(fibers, ({ fiber, id }) =>
          Effect.map(Fiber.await(fiber), (exit) => ({ id, exit })))
        for (const id of ids) {
          const mine = exits.filter((e) =>
            e.id === id
          )
          if (mine.length === 0) continue
          expect(yield* requestsFor(id)).toBe(1)
          // Same outcome for every caller of this id.
          const first = JSON.stringify(mine[0]!.exit)
          for (const e of mine) expect(JSON.stringify(e.exit)).toBe(first)
          expect(Exit.isSuccess(mine[0]!.exit)).toBe(present.includes(id))
        }
      }).pipe(
        Effect.provide(
          ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(
            Layer.provideMerge(FakeDeepsetApi.layer({ latency: "1 second" }))
          )
        )
      ),
    { fastCheck: { numRuns: 60 } }
  )

  it.effect("interrupting one caller does not cancel the others", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 9 })[0]!
      yield* api.seed(token)
      yield* api.script(Fault.delay("1 second"))
      const a = yield* Effect.fork(retrieve(token.api_token_id))
      const b = yield* Effect.fork(retrieve(token.api_token_id))
      yield* TestClock.adjust(Duration.millis(100))
      yield* Fiber.interrupt(a)
      yield* TestClock.adjust(Duration.seconds(1))
      const exit = yield* Fiber.await(b)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* requestsFor(token.api_token_id)).toBe(1)
    }).pipe(Effect.provide(fakeClient())))

  it.effect("when every caller leaves, the shared request is aborted", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 10 })[0]!
      yield* api.seed(token)
      yield* api.script(Fault.delay("1 second"), Fault.delay("1 second"))
      const a = yield* Effect.fork(retrieve(token.api_token_id))
      const b = yield* Effect.fork(retrieve(token.api_token_id))
      yield* TestClock.adjust(Duration.millis(100))
      yield* Fiber.interrupt(a)
      yield* Fiber.interrupt(b)
      // A new caller starts a new request rather than joining the abandoned one.
      const c = yield* Effect.fork(retrieve(token.api_token_id))
      yield* TestClock.adjust(Duration.seconds(2))
      expect(Exit.isSuccess(yield* Fiber.await(c))).toBe(true)
      expect(yield* requestsFor(token.api_token_id)).toBe(2)
      expect(yield* api.pendingFaults).toBe(0)
    }).pipe(Effect.provide(fakeClient())))

  it.effect("coalesce: false sends one request per caller", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 12 })[0]!
      yield* api.seed(token)
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(retrieve(token.api_token_id)))
      yield* Effect.forEach(fibers, Fiber.join)
      expect(yield* requestsFor(token.api_token_id)).toBe(3)
    }).pipe(Effect.provide(fakeClient({ coalesce: false }))))

  it.effect("10,000 concurrent same-id calls send 1 request", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 13 })[0]!
      yield* api.seed(token)
      yield* api.script(Fault.delay("10 millis"))
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 10_000 }), () => retrieve(token.api_token_id), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust(Duration.millis(10))
      const results = yield* Fiber.join(fiber)
      expect(results).toHaveLength(10_000)
      expect(yield* requestsFor(token.api_token_id)).toBe(1)
    }).pipe(Effect.provide(fakeClient())))
})

describe("cache", () => {
  const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 21 })[0]!
  const unknown = "00000000-0000-4000-8000-000000000000"

  it.effect("serves hits from memory until the ttl passes", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      yield* retrieve(token.api_token_id)
      yield* retrieve(token.api_token_id.toUpperCase())
      expect(yield* requestsFor(token.api_token_id)).toBe(1)
      yield* TestClock.adjust(Duration.seconds(30))
      yield* retrieve(token.api_token_id)
      expect(yield* requestsFor(token.api_token_id)).toBe(2)
    }).pipe(Effect.provide(cached({ ttl: "30 seconds", capacity: 10 }))))

  it.effect("never caches errors by default, and 404s only for notFoundTtl", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(503), Fault.status(503), Fault.status(503))
      yield* Effect.exit(retrieve(token.api_token_id)).pipe(
        Effect.fork,
        Effect.zipLeft(TestClock.adjust("1 minute")),
        Effect.flatMap(Fiber.join)
      )
      yield* api.seed(token)
      expect(Exit.isSuccess(yield* Effect.exit(retrieve(token.api_token_id)))).toBe(true)
      yield* Effect.exit(retrieve(unknown))
      yield* Effect.exit(retrieve(unknown))
      expect(yield* requestsFor(unknown)).toBe(1)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Effect.exit(retrieve(unknown))
      expect(yield* requestsFor(unknown)).toBe(2)
    }).pipe(Effect.provide(cached({ ttl: "1 hour", capacity: 10, notFoundTtl: "2 seconds" }))))

  it.effect("404s are not cached without notFoundTtl", () =>
    Effect.gen(function*() {
      yield* Effect.exit(retrieve(unknown))
      yield* Effect.exit(retrieve(unknown))
      expect(yield* requestsFor(unknown)).toBe(2)
    }).pipe(Effect.provide(cached({ ttl: "1 hour", capacity: 10 }))))

  it.effect.prop("holds at most `capacity` tokens, evicting the least recently used", [
    fc.uniqueArray(Arbitraries.apiTokenId, { minLength: 3, maxLength: 8 }),
    fc.integer({ min: 1, max: 4 })
  ], ([ids, capacity]) =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      for (const id of ids) yield* api.seed({ ...token, api_token_id: id })
      for (const id of ids) yield* retrieve(id)
      const cache = yield* ApiTokensCache
      expect(yield* cache.size).toBe(Math.min(capacity, ids.length))
      // The most recent `capacity` ids are hits; the eldest was evicted.
      const recent = ids.slice(-capacity)
      for (const id of recent) yield* retrieve(id)
      for (const id of recent) expect(yield* requestsFor(id)).toBe(1)
      yield* retrieve(ids[0]!)
      expect(yield* requestsFor(ids[0]!)).toBe(ids.length > capacity ? 2 : 1)
    }).pipe(Effect.provide(cached({ ttl: "1 hour", capacity }))))

  it.effect("invalidate forgets an entry; invalidateAll forgets all", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      const cache = yield* ApiTokensCache
      yield* retrieve(token.api_token_id)
      yield* cache.invalidate(token.api_token_id.toUpperCase())
      yield* retrieve(token.api_token_id)
      expect(yield* requestsFor(token.api_token_id)).toBe(2)
      yield* cache.invalidateAll
      expect(yield* cache.size).toBe(0)
      yield* cache.invalidate("not an id")
    }).pipe(Effect.provide(cached({ ttl: "1 hour", capacity: 10 }))))

  it.effect("bad cache options are configuration errors", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(cached({ ttl: "1 hour", capacity: 0 })).pipe(Effect.scoped))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
        _tag: "ApiTokensConfigError",
        field: "cache.capacity"
      })
    }))
})
