import { ApiTokens, expiresWithin, isExpiredAt, type TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, TestNow } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, FastCheck as fc, Fiber, Queue, Schedule, TestClock } from "effect"
import { checkOnce, monitor, type Report } from "../src/Monitor.js"

const options = { warnWithin: "14 days", concurrency: 4 } as const

const fleet = (size: number) =>
  fc.uniqueArray(Arbitraries.realisticTokenMeta(TestNow.reference), {
    minLength: size,
    maxLength: size,
    selector: (t) => t.api_token_id
  })

const ids = (tokens: ReadonlyArray<TokenMeta>) => tokens.map((t) => t.api_token_id)

describe("checkOnce", () => {
  it.effect.prop(
    "sorts every token into exactly one bucket, by the clock; unknown ids are reported, not fatal",
    [
      fc.uniqueArray(Arbitraries.realisticTokenMeta(TestNow.reference), {
        maxLength: 12,
        selector: (t) => t.api_token_id
      }),
      fc.uniqueArray(Arbitraries.apiTokenId, { maxLength: 3 })
    ],
    ([tokens, unknown]) =>
      Effect.gen(function*() {
        yield* TestNow.setTo(TestNow.reference)
        yield* (yield* FakeDeepsetApi.FakeDeepsetApi).seed(...tokens)
        const missing = unknown.filter((id) => !tokens.some((t) => t.api_token_id === id))
        const report = yield* checkOnce([...ids(tokens), ...missing], options)

        const now = TestNow.reference
        const expected = (t: TokenMeta) =>
          isExpiredAt(t, now) ? "expired" : expiresWithin(t, options.warnWithin, now) ? "expiringSoon" : "healthy"
        for (const bucket of ["expired", "expiringSoon", "healthy"] as const) {
          expect(ids(report[bucket]).sort()).toEqual(ids(tokens.filter((t) => expected(t) === bucket)).sort())
        }
        expect(report.failed.map((f) => [f.id, f.error._tag])).toEqual(missing.map((id) => [id, "TokenNotFound"]))
      }).pipe(
        Effect.provide(FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, retry: false })))
      ),
    { fastCheck: { numRuns: 40 } }
  )

  it.effect.prop(
    "never has more than `concurrency` lookups in flight",
    [fleet(20), fc.integer({ min: 1, max: 6 })],
    ([tokens, concurrency]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.seed(...tokens)
        const fiber = yield* Effect.fork(checkOnce(ids(tokens), { ...options, concurrency }))
        // Each answer takes 1 s of TestClock time, so the requests seen after each second are the waves.
        for (let second = 0; second * concurrency < tokens.length; second++) {
          yield* TestClock.adjust(second === 0 ? 0 : Duration.seconds(1))
          expect((yield* api.requests).length).toBe(Math.min(tokens.length, (second + 1) * concurrency))
        }
        yield* TestClock.adjust(Duration.seconds(1))
        const report = yield* Fiber.join(fiber)
        expect(report.failed).toEqual([])
      }).pipe(
        Effect.provide(
          FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, retry: false }), {
            latency: "1 second"
          })
        )
      ),
    { fastCheck: { numRuns: 10 } }
  )
})

describe("monitor", () => {
  it.effect.prop(
    "runs at once and then on the schedule; the cache answers every run until its ttl runs out",
    [fleet(10)],
    ([tokens]) =>
      Effect.gen(function*() {
        yield* TestNow.setTo(TestNow.reference)
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.seed(...tokens)
        const reports = yield* Queue.unbounded<Report>()
        yield* Effect.fork(monitor(ids(tokens), options, Schedule.fixed("15 minutes"), (r) => reports.offer(r)))

        const next = Effect.zipRight(TestClock.adjust("15 minutes"), reports.take)
        const first = yield* reports.take
        expect((yield* api.requests).length).toBe(tokens.length)
        // 15, 30 and 45 minutes: within the 50-minute ttl, no request at all.
        for (let run = 1; run <= 3; run++) yield* next
        expect((yield* api.requests).length).toBe(tokens.length)
        // 60 minutes: every entry has expired, so every token is asked for again.
        const fifth = yield* next
        expect((yield* api.requests).length).toBe(2 * tokens.length)
        expect(Duration.toMinutes(Duration.millis(fifth.at.epochMillis - first.at.epochMillis))).toBe(60)
        expect(yield* reports.size).toBe(0)
      }).pipe(
        Effect.provide(
          FakeDeepsetApi.layerFor(
            ApiTokens.layer({
              apiKey: FakeDeepsetApi.defaultApiKey,
              retry: false,
              cache: { ttl: "50 minutes", capacity: 100 }
            })
          )
        )
      ),
    { fastCheck: { numRuns: 10 } }
  )

  it.effect("a token seen as healthy turns expiring soon, then expired, as the clock moves, even from the cache", () =>
    Effect.gen(function*() {
      yield* TestNow.setTo(TestNow.reference)
      const token = fc.sample(
        Arbitraries.realisticTokenMeta(TestNow.reference).filter((t) =>
          !expiresWithin(t, "20 days", TestNow.reference) && expiresWithin(t, "60 days", TestNow.reference)
        ),
        { numRuns: 1, seed: 3 }
      )[0]!
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      const reports = yield* Queue.unbounded<Report>()
      yield* Effect.fork(monitor([token.api_token_id], options, Schedule.fixed("1 day"), (r) => reports.offer(r)))
      const bucketOf = (r: Report) =>
        r.expired.length > 0 ? "expired" : r.expiringSoon.length > 0 ? "expiringSoon" : "healthy"
      const seen: Array<string> = [bucketOf(yield* reports.take)]
      let runs = 1
      const until = token.expires_at!.epochMillis + Duration.toMillis("1 day")
      while (yield* Effect.map(TestClock.currentTimeMillis, (now) => now < until)) {
        yield* TestClock.adjust("1 day")
        const bucket = bucketOf(yield* reports.take)
        runs++
        if (seen.at(-1) !== bucket) seen.push(bucket)
      }
      expect(seen).toEqual(["healthy", "expiringSoon", "expired"])
      // Daily runs answered from a 24-day cache: one request per cache period, not one per run.
      const periods = Math.ceil(runs / 24)
      expect((yield* api.requests).length).toBeGreaterThanOrEqual(periods)
      expect((yield* api.requests).length).toBeLessThanOrEqual(periods + 1)
    }).pipe(
      Effect.provide(
        FakeDeepsetApi.layerFor(
          ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, cache: { ttl: "24 days", capacity: 10 } })
        )
      )
    ))
})
