/** The README's usage example, run against the fake instead of the network, so the README cannot rot. */
import { ApiTokens, grantsWorkspace, isExpiredAt } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { expect, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Effect, FastCheck as fc, Fiber, Layer, Logger, Redacted, TestClock } from "effect"

it.effect("the README example runs and logs the token", () =>
  Effect.gen(function*() {
    const api = yield* FakeDeepsetApi.FakeDeepsetApi
    const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 1 })[0]!
    yield* api.seed({ ...token, api_token_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" as typeof token.api_token_id })
    const lines: Array<unknown> = []

    const program = Effect.gen(function*() {
      const tokens = yield* ApiTokens
      const meta = yield* tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
      const now = yield* DateTime.now
      yield* Effect.log(
        `${meta.name}: expired=${isExpiredAt(meta, now)} production=${grantsWorkspace(meta, "production")}`
      )
    }).pipe(
      Effect.catchTags({
        TokenNotFound: (e) => Effect.logWarning(e.message),
        RateLimited: (e) => Effect.logWarning(e.message)
      })
    )
    const MainLayer = ApiTokens.layerConfig()

    yield* program.pipe(
      Effect.provide(MainLayer),
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => lines.push(message)))),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(new Map([["DEEPSET_API_KEY", Redacted.value(FakeDeepsetApi.defaultApiKey)]]))
      )
    )
    expect(String(lines[0])).toContain(`${token.name}: expired=`)
  }).pipe(Effect.provide(FakeDeepsetApi.layer())))

// The README's "Testing your code with FakeDeepsetApi" examples, verbatim.
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
