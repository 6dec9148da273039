// A CommonJS app loading the ESM packages with `require`, which Node supports from 22 on (require(esm)).
/* eslint-disable @typescript-eslint/no-require-imports -- proving that `require` loads the packages is the point */
const { ApiTokens, FetchTransport } = require("@deepset-tokens/client")
const { FakeDeepsetApi } = require("@deepset-tokens/testing")
const { Effect, Layer } = require("effect")

const layer = ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(Layer.provide(FakeDeepsetApi.layer()))
Effect.runPromise(
  Effect.flatMap(ApiTokens, (tokens) => Effect.either(tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))).pipe(
    Effect.provide(layer)
  )
).then((result) => {
  if (typeof FetchTransport.layer !== "object" || result._tag !== "Left" || result.left._tag !== "TokenNotFound") {
    throw new Error(`unexpected: ${JSON.stringify(result)}`)
  }
  process.stdout.write("require(esm): ApiTokens on the fake answered TokenNotFound, as it should\n")
})
