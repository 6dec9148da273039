/** The README's usage example, run against the fake instead of the network, so the README cannot rot. */
import { ApiTokens, grantsWorkspace, isExpiredAt } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi } from "@deepset-tokens/testing"
import { expect, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Effect, FastCheck as fc, Logger, Redacted } from "effect"

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
