import { ApiTokens } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, FastCheck as fc, Fiber, HashMap, Logger, LogLevel, Option, TestClock } from "effect"
import { apiKeyText, fakeClient } from "./fixtures.js"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 42 })[0]!
const retrieve = Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(token.api_token_id))

/** Forks `retrieve`, lets the TestClock run far ahead, and returns the exit and the request count. */
const runToEnd = Effect.gen(function*() {
  const api = yield* FakeDeepsetApi.FakeDeepsetApi
  yield* api.seed(token)
  const fiber = yield* Effect.fork(retrieve)
  yield* TestClock.adjust(Duration.hours(1))
  const exit = yield* Fiber.await(fiber)
  return { exit, requests: (yield* api.requests).length }
})

const requestCount = Effect.flatMap(FakeDeepsetApi.FakeDeepsetApi, (api) => Effect.map(api.requests, (r) => r.length))

const transient = fc.constantFrom(
  Fault.status(503),
  Fault.status(500),
  Fault.status(502),
  Fault.status(504),
  Fault.status(408),
  Fault.status(429),
  Fault.status(429, "", { "retry-after": "1" }),
  Fault.status(503, "", { "retry-after-ms": "250" }),
  Fault.disconnect(),
  Fault.BrokenBody({ status: 200, prefix: "{", headers: {} })
)

describe("retries", () => {
  it.effect.prop(
    "succeeds exactly when faults <= retries, after min(faults + 1, retries + 1) requests",
    [fc.array(transient, { maxLength: 5 }), fc.integer({ min: 0, max: 4 })],
    ([faults, times]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(...faults)
        const { exit, requests } = yield* runToEnd
        expect(Exit.isSuccess(exit)).toBe(faults.length <= times)
        expect(requests).toBe(Math.min(faults.length + 1, times + 1))
        if (Exit.isFailure(exit)) {
          // The last attempt's typed error, never a defect.
          expect(exit.cause._tag).toBe("Fail")
        }
      }).pipe(Effect.provide(fakeClient({ retry: { times } }))),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "never retries a status outside 408/429/500/502/503/504",
    [fc.integer({ min: 300, max: 599 }).filter((s) => ![408, 429, 500, 502, 503, 504].includes(s))],
    ([status]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(Fault.status(status))
        const { exit, requests } = yield* runToEnd
        expect(Exit.isFailure(exit)).toBe(true)
        expect(requests).toBe(1)
      }).pipe(Effect.provide(fakeClient()))
  )

  it.effect("malformed 2xx bodies are not retried", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(200, "{}"))
      const { exit, requests } = yield* runToEnd
      expect(Exit.isFailure(exit)).toBe(true)
      expect(requests).toBe(1)
    }).pipe(Effect.provide(fakeClient())))

  it.effect("exponential backoff from 500 ms with up to 25 % jitter", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      yield* api.script(Fault.status(503), Fault.status(503), Fault.status(503))
      const fiber = yield* Effect.fork(retrieve)
      // Waits are base * 2^n less up to 25 %: (375, 500], then (750, 1000], then (1500, 2000] ms.
      yield* TestClock.adjust(Duration.millis(374))
      expect(yield* requestCount).toBe(1)
      yield* TestClock.adjust(Duration.millis(126)) // t = 500
      expect(yield* requestCount).toBe(2)
      yield* TestClock.adjust(Duration.millis(624)) // t = 1124 < 375 + 750
      expect(yield* requestCount).toBe(2)
      yield* TestClock.adjust(Duration.millis(376)) // t = 1500 >= 500 + 1000
      expect(yield* requestCount).toBe(3)
      yield* TestClock.adjust(Duration.millis(1124)) // t = 2624 < 375 + 750 + 1500
      expect(yield* requestCount).toBe(3)
      yield* TestClock.adjust(Duration.millis(876)) // t = 3500 >= 500 + 1000 + 2000
      expect(yield* requestCount).toBe(4)
      expect(Exit.isSuccess(yield* Fiber.await(fiber))).toBe(true)
    }).pipe(Effect.provide(fakeClient({ retry: { times: 3 } }))))

  it.effect("backoff is capped", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      yield* api.script(Fault.status(503), Fault.status(503))
      const fiber = yield* Effect.fork(retrieve)
      yield* TestClock.adjust(Duration.seconds(3))
      expect(yield* requestCount).toBe(2)
      yield* TestClock.adjust(Duration.seconds(3))
      expect(yield* requestCount).toBe(3)
      expect(Exit.isSuccess(yield* Fiber.await(fiber))).toBe(true)
    }).pipe(Effect.provide(fakeClient({ retry: { times: 2, base: "3 seconds", cap: "3 seconds" } }))))

  it.effect.prop(
    "the server's Retry-After is the wait when within the cap, and beyond it there is no wait",
    [
      fc.oneof(
        fc.integer({ min: 0, max: 120 }).map((s) => ({ header: { "retry-after": String(s) }, millis: s * 1000 })),
        fc.integer({ min: 0, max: 120_000 }).map((ms) => ({ header: { "retry-after-ms": String(ms) }, millis: ms })),
        fc.integer({ min: 0, max: 120 }).map((s) => ({
          header: { "retry-after": new Date(s * 1000).toUTCString() },
          millis: s * 1000
        }))
      ),
      fc.constantFrom(429, 503)
    ],
    ([{ header, millis }, status]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.seed(token)
        yield* api.script(Fault.status(status, "", header))
        const fiber = yield* Effect.fork(retrieve)
        yield* TestClock.adjust(Duration.zero)
        if (millis > 60_000) {
          const exit = yield* Fiber.await(fiber)
          expect(yield* requestCount).toBe(1)
          expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
            _tag: status === 429 ? "RateLimited" : "ServerError",
            retryAfter: Option.some(Duration.millis(millis))
          })
          return
        }
        if (millis > 0) {
          yield* TestClock.adjust(Duration.millis(millis - 1))
          expect(yield* requestCount).toBe(1)
        }
        yield* TestClock.adjust(Duration.millis(1))
        expect(yield* requestCount).toBe(2)
        expect(Exit.isSuccess(yield* Fiber.await(fiber))).toBe(true)
      }).pipe(Effect.provide(fakeClient())),
    { fastCheck: { numRuns: 100 } }
  )

  it.effect("garbage or negative Retry-After falls back to the backoff", () =>
    Effect.gen(function*() {
      for (
        const header of [{ "retry-after": "-5" }, { "retry-after": "soon" }, { "retry-after-ms": "-1" }, {
          "retry-after": "1.5"
        }]
      ) {
        const exit = yield* Effect.gen(function*() {
          const api = yield* FakeDeepsetApi.FakeDeepsetApi
          yield* api.seed(token)
          yield* api.script(Fault.status(429, "", header))
          const fiber = yield* Effect.fork(retrieve)
          yield* TestClock.adjust(Duration.millis(500))
          expect(yield* requestCount).toBe(2)
          return yield* Fiber.await(fiber)
        }).pipe(Effect.provide(fakeClient()))
        expect(Exit.isSuccess(exit)).toBe(true)
      }
    }))

  it.effect("retry: false sends exactly one request", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(503))
      const { exit, requests } = yield* runToEnd
      expect(Exit.isFailure(exit)).toBe(true)
      expect(requests).toBe(1)
    }).pipe(Effect.provide(fakeClient({ retry: false }))))

  it.effect("each retry logs one debug line, without the key", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ annotations, logLevel, message }) => {
        lines.push(
          `${logLevel.label} ${JSON.stringify(message)} ${
            JSON.stringify(Object.fromEntries(HashMap.toEntries(annotations)))
          }`
        )
      })
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(503, apiKeyText), Fault.disconnect(`reset by ${apiKeyText}`))
      const exit = yield* runToEnd.pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      expect(Exit.isSuccess(exit.exit)).toBe(true)
      expect(lines).toHaveLength(2)
      expect(lines.every((line) => line.startsWith("DEBUG"))).toBe(true)
      expect(lines.join("\n")).not.toContain(apiKeyText)
      expect(lines[0]).toContain("ServerError")
      expect(lines[1]).toContain("TransportError")
    }).pipe(Effect.provide(fakeClient())))
})

describe("deadlines and interruption", () => {
  it.effect("an attempt that takes longer than the timeout is a Timeout, and is retried", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      yield* api.script(Fault.delay("30 seconds"))
      const fiber = yield* Effect.fork(retrieve)
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* requestCount).toBe(1)
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* requestCount).toBe(2)
      expect(Exit.isSuccess(yield* Fiber.await(fiber))).toBe(true)
    }).pipe(Effect.provide(fakeClient())))

  it.effect("when every attempt times out, the error is Timeout with the attempt limit", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.delay("1 minute"), Fault.delay("1 minute"))
      const { exit, requests } = yield* runToEnd
      expect(requests).toBe(2)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
        _tag: "Timeout",
        scope: "attempt",
        limit: Duration.seconds(2)
      })
    }).pipe(Effect.provide(fakeClient({ timeout: "2 seconds", retry: { times: 1 } }))))

  it.effect("the overall deadline covers attempts and waits together", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(503, "", { "retry-after": "4" }), Fault.delay("1 minute"))
      const { exit, requests } = yield* runToEnd
      expect(requests).toBe(2)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
        _tag: "Timeout",
        scope: "deadline"
      })
    }).pipe(Effect.provide(fakeClient({ deadline: "5 seconds" }))))

  it.effect("interrupting the caller is not retried and leaves nothing running", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      yield* api.script(Fault.delay("5 seconds"))
      const fiber = yield* Effect.fork(retrieve)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust(Duration.hours(1))
      expect(yield* requestCount).toBe(1)
      expect(yield* api.pendingFaults).toBe(0)
    }).pipe(Effect.provide(fakeClient())))
})
