/**
 * In a web page the API key would be visible to every visitor, so every constructor refuses there unless the
 * caller opts in. The page is simulated by giving `globalThis` a window and a document; the real browser run is
 * the runtime smoke suite (test/runtimes) in Chromium.
 */
import { ApiTokens } from "@deepset-tokens/client"
import { FakeDeepsetApi } from "@deepset-tokens/testing"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"

const scope = globalThis as { window?: unknown; document?: unknown }
const asPage = () => {
  scope.window = globalThis
  scope.document = {}
}

describe("ApiTokens in a web page", () => {
  afterEach(() => {
    delete scope.window
    delete scope.document
  })

  it.effect("is refused without dangerouslyAllowBrowser, naming the option", () =>
    Effect.gen(function*() {
      asPage()
      const built = yield* Effect.either(
        Layer.build(
          ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(Layer.provide(FakeDeepsetApi.layer()))
        )
      )
      expect(Either.isLeft(built) && built.left._tag === "ApiTokensConfigError" && built.left.field).toBe(
        "dangerouslyAllowBrowser"
      )
      expect(Either.isLeft(ApiTokens.validateOptions({}))).toBe(true)
    }).pipe(Effect.scoped))

  it.effect("works with the opt-in", () =>
    Effect.gen(function*() {
      asPage()
      const tokens = yield* ApiTokens
      const result = yield* Effect.either(tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
      expect(Either.isLeft(result) && result.left._tag).toBe("TokenNotFound")
    }).pipe(
      Effect.provide(
        FakeDeepsetApi.layerFor(
          ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, dangerouslyAllowBrowser: true })
        )
      )
    ))

  it("a worker or a server runtime (no document) is never refused", () => {
    scope.window = globalThis
    expect(Either.isRight(ApiTokens.validateOptions({}))).toBe(true)
    delete scope.window
    expect(Either.isRight(ApiTokens.validateOptions({}))).toBe(true)
  })
})
