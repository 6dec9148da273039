import { ApiTokens } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault, TestNow } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, FastCheck as fc, Fiber, Layer, Logger, LogLevel, Redacted, TestClock } from "effect"
import { checkToken } from "../src/CheckToken.js"
import * as Telemetry from "../src/Telemetry.js"

const apiKey = Redacted.value(FakeDeepsetApi.defaultApiKey)

/** A fresh fake, client and in-memory exporters: build one per test. */
const setup = () => {
  const spans = new InMemorySpanExporter()
  const logs = new InMemoryLogRecordExporter()
  const layer = Layer.merge(
    FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, retry: { times: 2 } })),
    Telemetry.layer({
      serviceName: "token-checker",
      spanProcessor: new SimpleSpanProcessor(spans),
      logRecordProcessor: new SimpleLogRecordProcessor({ exporter: logs })
    })
  )
  return { spans, logs, layer }
}

/** Runs `checkToken` to the end, moving the TestClock past every retry backoff. */
const checkWithRetries = (id: string) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.exit(checkToken(id)))
    yield* TestClock.adjust("1 minute")
    return yield* Fiber.join(fiber)
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Debug))

/** Everything the exporters hold, as one string (bigints and hrtimes included). */
const exported = (spans: InMemorySpanExporter, logs: InMemoryLogRecordExporter) =>
  JSON.stringify(
    [
      spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.events, s.status, s.links]),
      logs.getFinishedLogRecords().map((r) => [r.body, r.severityText, r.attributes])
    ],
    (_, v) => (typeof v === "bigint" ? String(v) : v)
  )

const token = fc.sample(Arbitraries.realisticTokenMeta(TestNow.reference), { numRuns: 1, seed: 13 })[0]!

describe("ApiTokens under OpenTelemetry", () => {
  it.effect("exports the ApiTokens.retrieve span as a child of the caller's, with the request's attributes", () => {
    const { layer, spans } = setup()
    return Effect.gen(function*() {
      yield* (yield* FakeDeepsetApi.FakeDeepsetApi).seed(token)
      expect(yield* checkWithRetries(token.api_token_id)).toMatchObject({ _tag: "Success" })

      const finished = spans.getFinishedSpans()
      expect(finished.map((s) => s.name).sort()).toEqual(["ApiTokens.retrieve", "checkToken"])
      const parent = finished.find((s) => s.name === "checkToken")!
      const retrieve = finished.find((s) => s.name === "ApiTokens.retrieve")!
      expect(retrieve.parentSpanContext?.spanId).toBe(parent.spanContext().spanId)
      expect(retrieve.spanContext().traceId).toBe(parent.spanContext().traceId)
      expect(retrieve.attributes).toMatchObject({
        "deepset.api_token_id": token.api_token_id,
        "http.request.method": "GET",
        "url.full": `https://api.cloud.deepset.ai/api/v1/token/${token.api_token_id}`,
        "http.response.status_code": 200
      })
      expect(retrieve.resource.attributes["service.name"]).toBe("token-checker")
    }).pipe(Effect.provide(layer))
  })

  it.effect("each retry is a debug log record and an event on the span, with its annotations", () => {
    const { layer, logs, spans } = setup()
    return Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      yield* api.script(Fault.status(503, "{}"), Fault.status(429, "{}", { "retry-after": "2" }))
      expect(yield* checkWithRetries(token.api_token_id)).toMatchObject({ _tag: "Success" })

      const retrieve = spans.getFinishedSpans().find((s) => s.name === "ApiTokens.retrieve")!
      const events = retrieve.events.filter((e) => e.name === "ApiTokens.retrieve: retrying")
      expect(events.map((e) => e.attributes)).toMatchObject([
        { retry: 1, of: 2, error: "ServerError", status: 503, "effect.logLevel": "DEBUG" },
        { retry: 2, of: 2, error: "RateLimited", status: 429, waitMillis: 2000, "effect.logLevel": "DEBUG" }
      ])

      const records = logs.getFinishedLogRecords().filter((r) => r.body === "ApiTokens.retrieve: retrying")
      expect(records.map((r) => [r.severityText, r.attributes["retry"], r.attributes["error"]])).toEqual([
        ["DEBUG", 1, "ServerError"],
        ["DEBUG", 2, "RateLimited"]
      ])
      // @effect/opentelemetry's logger names the span the log happened in as attributes.
      expect(records.map((r) => r.attributes["spanId"])).toEqual([
        retrieve.spanContext().spanId,
        retrieve.spanContext().spanId
      ])
    }).pipe(Effect.provide(layer))
  })

  // Servers that echo the key back in bodies, headers and transport errors; the client must not export it.
  const echoing = fc.oneof(
    fc.integer({ min: 400, max: 599 }).map((status) =>
      Fault.status(status, `{"detail":"${apiKey}"}`, { "x-request-id": apiKey, "retry-after": "1" })
    ),
    fc.constant(Fault.disconnect(`reset by peer; Authorization: Bearer ${apiKey}`)),
    fc.constant(Fault.BrokenBody({ status: 200, prefix: apiKey, headers: { "x-request-id": apiKey } }))
  )

  it.effect.prop(
    "the API key appears in no exported span, event or log record, whatever the server answers",
    [fc.array(echoing, { minLength: 1, maxLength: 3 })],
    ([faults]) => {
      const { layer, logs, spans } = setup()
      return Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.seed(token)
        yield* api.script(...faults)
        yield* checkWithRetries(token.api_token_id)
        yield* checkWithRetries(apiKey)
        expect(spans.getFinishedSpans().length).toBeGreaterThan(0)
        expect(logs.getFinishedLogRecords().length).toBeGreaterThan(0)
        expect(exported(spans, logs)).not.toContain(apiKey)
      }).pipe(Effect.provide(layer))
    },
    { fastCheck: { numRuns: 25 } }
  )
})
