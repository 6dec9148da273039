import { ApiTokens } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"

const TestLayer = () =>
  ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(Layer.provideMerge(FakeDeepsetApi.layer()))

it.effect.prop("my code reads any token", [Arbitraries.tokenMeta], ([token]) =>
  Effect.gen(function*() {
    const api = yield* FakeDeepsetApi.FakeDeepsetApi
    yield* api.seed(token)
    const meta = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id))
    expect(meta.name).toBe(token.name)
  }).pipe(Effect.provide(TestLayer())))

it.effect.prop("survives a 503 with Retry-After", [Arbitraries.tokenMeta], ([token]) =>
  Effect.gen(function*() {
    const api = yield* FakeDeepsetApi.FakeDeepsetApi
    yield* api.seed(token)
    yield* api.script(Fault.status(503, "", { "retry-after": "2" }))
    const fiber = yield* Effect.fork(Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id)))
    yield* TestClock.adjust("2 seconds") // the retry waits exactly what the server asked for
    const meta = yield* Fiber.join(fiber)
    expect(meta.api_token_id).toBe(token.api_token_id)
    expect(yield* api.requests).toHaveLength(2)
  }).pipe(Effect.provide(TestLayer())))
