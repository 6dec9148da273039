import { ApiTokens } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault, SpanRecorder } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, FastCheck as fc, Fiber, Layer, Logger, LogLevel, TestClock } from "effect"
import { apiKeyText, fakeClient } from "./fixtures.js"

const setup = Layer.merge(fakeClient({ retry: false }), SpanRecorder.layer)

describe("tracing", () => {
  it.effect("retrieve runs in one ApiTokens.retrieve span with the id, the URL and the status", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 5 })[0]!
      yield* api.seed(token)
      yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id.toUpperCase()))
      const spans = yield* (yield* SpanRecorder.SpanRecorder).spans
      expect(spans.map((s) => s.name)).toEqual(["ApiTokens.retrieve"])
      const attributes = Object.fromEntries(spans[0]!.attributes)
      expect(attributes).toMatchObject({
        "deepset.api_token_id": token.api_token_id,
        "http.request.method": "GET",
        "url.full": `https://api.cloud.deepset.ai/api/v1/token/${token.api_token_id}`,
        "http.response.status_code": 200
      })
    }).pipe(Effect.provide(setup)))

  it.effect.prop(
    "no span attribute or event ever holds the key, whatever the server answers",
    [fc.integer({ min: 100, max: 599 }), fc.boolean()],
    ([status, echo]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(
          Fault.status(status, echo ? apiKeyText : "{}", echo ? { "x-request-id": apiKeyText } : {})
        )
        yield* Effect.exit(Effect.flatMap(ApiTokens, (t) => t.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")))
        yield* Effect.exit(Effect.flatMap(ApiTokens, (t) => t.retrieve(apiKeyText)))
        const spans = yield* (yield* SpanRecorder.SpanRecorder).spans
        expect(spans.length).toBeGreaterThan(0)
        for (const span of spans) {
          const dump = JSON.stringify([...span.attributes], (_, v) => (typeof v === "bigint" ? String(v) : v)) +
            JSON.stringify(span.events) + String(span.exit)
          expect(dump).not.toContain(apiKeyText)
        }
      }).pipe(Effect.provide(setup)),
    { fastCheck: { numRuns: 60 } }
  )
})

describe("the key never leaks under random fault sequences, with retries on", () => {
  const echoing = fc.oneof(
    fc.integer({ min: 100, max: 599 }).map((status) =>
      Fault.status(status, `{"detail":"${apiKeyText}"}`, { "x-request-id": apiKeyText, "retry-after": "1" })
    ),
    fc.constant(Fault.disconnect(`reset by peer; Authorization: Bearer ${apiKeyText}`)),
    fc.constant(Fault.BrokenBody({ status: 200, prefix: apiKeyText, headers: { "x-request-id": apiKeyText } })),
    fc.constant(Fault.status(503, apiKeyText, { "retry-after-ms": "5" }))
  )

  it.effect.prop(
    "in errors, log lines and span attributes",
    [fc.array(echoing, { minLength: 1, maxLength: 4 })],
    ([faults]) =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const logger = Logger.make((options) =>
          lines.push(JSON.stringify(options, (_, v) => (typeof v === "bigint" ? String(v) : v)))
        )
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(...faults)
        const fiber = yield* Effect.fork(
          Effect.flatMap(ApiTokens, (t) => t.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")).pipe(
            Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
            Logger.withMinimumLogLevel(LogLevel.Debug)
          )
        )
        yield* TestClock.adjust("1 hour")
        const exit = yield* Fiber.await(fiber)
        const spans = yield* (yield* SpanRecorder.SpanRecorder).spans
        const rendered = [
          String(exit),
          JSON.stringify(exit),
          Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "",
          ...lines,
          ...spans.map((s) => JSON.stringify([...s.attributes]) + JSON.stringify(s.events))
        ]
        for (const text of rendered) expect(text).not.toContain(apiKeyText)
      }).pipe(Effect.provide(Layer.merge(fakeClient(), SpanRecorder.layer))),
    { fastCheck: { numRuns: 80 } }
  )
})
