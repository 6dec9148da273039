/**
 * Input the types catch in TypeScript but not from JavaScript or a config file: a misspelt option (`maxRetries` for
 * `retry.times`, `timout`) is refused by name on every way in instead of being ignored without a word, and an id
 * that is not a string is an `InvalidTokenId`, never a defect.
 */
import { ApiTokens, type ApiTokensConfigError } from "@deepset-tokens/client"
import { FakeDeepsetApi } from "@deepset-tokens/testing"
import type { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, FastCheck as fc, Layer, Redacted } from "effect"

const known = [
  "apiKey",
  "baseUrl",
  "region",
  "timeout",
  "deadline",
  "retry",
  "maxBodyBytes",
  "allowInsecureHttp",
  "dangerouslyAllowBrowser",
  "coalesce",
  "cache",
  "times",
  "base",
  "cap",
  "retryAfterCap",
  "ttl",
  "capacity",
  "notFoundTtl"
]
const unknown = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/).filter((key) =>
  !known.includes(key) && !["__proto__", "constructor"].includes(key)
)
const apiKey = FakeDeepsetApi.defaultApiKey
const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

const fieldOf = (result: Either.Either<unknown, ApiTokensConfigError>) =>
  Either.isLeft(result) ? result.left.field : undefined

describe("unknown options", () => {
  it.prop("are refused by name at the top, in retry and in cache", [unknown], ([key]) => {
    expect(fieldOf(ApiTokens.validateOptions({ apiKey, [key]: 1 } as unknown as ApiTokens.Options))).toBe(key)
    expect(fieldOf(ApiTokens.validateOptions({ retry: { times: 1, [key]: 1 } } as unknown as ApiTokens.Options))).toBe(
      `retry.${key}`
    )
    expect(
      fieldOf(
        ApiTokens.validateOptions(
          { cache: { ttl: "1 minute", capacity: 10, [key]: 1 } } as unknown as ApiTokens.Options
        )
      )
    ).toBe(`cache.${key}`)
  })

  it.effect.prop(
    "are refused by layer, layerConfig and a call's options",
    [unknown],
    ([key]) =>
      Effect.gen(function*() {
        const build = <E>(layer: Layer.Layer<ApiTokens, E, HttpClient.HttpClient>) =>
          Effect.flip(Effect.scoped(Layer.build(layer.pipe(Layer.provide(FakeDeepsetApi.layer())))))
        const fromLayer = yield* build(ApiTokens.layer({ apiKey, [key]: "x" } as unknown as ApiTokens.Options))
        expect(fromLayer).toMatchObject({ _tag: "ApiTokensConfigError", field: key })
        const fromConfig = yield* build(ApiTokens.layerConfig({ [key]: "x" } as unknown as ApiTokens.ConfigOptions))
          .pipe(
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["DEEPSET_API_KEY", Redacted.value(apiKey)]])))
          )
        expect(fromConfig).toMatchObject({ _tag: "ApiTokensConfigError", field: key })
        const tokens = yield* Effect.provide(ApiTokens, FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey })))
        const fromCall = yield* Effect.flip(tokens.retrieve(id, { [key]: 1 } as unknown as ApiTokens.CallOptions))
        expect(fromCall).toMatchObject({ _tag: "ApiTokensConfigError", field: key })
      })
  )
})

describe("an id that is not a string (from JavaScript)", () => {
  it.effect.prop(
    "is an InvalidTokenId, never a defect",
    [fc.anything().filter((v) => typeof v !== "string")],
    ([id]) =>
      Effect.gen(function*() {
        const tokens = yield* ApiTokens
        const error = yield* Effect.flip(tokens.retrieve(id as unknown as string))
        expect(error._tag).toBe("InvalidTokenId")
      }).pipe(Effect.provide(FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey }))))
  )
})
