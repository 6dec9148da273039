// The same app written directly on effect + @effect/platform, as a user without our packages might. Only its
// bundle size is measured.
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Config, Effect, Schema } from "effect"

const TokenMeta = Schema.Struct({
  api_token_id: Schema.UUID,
  name: Schema.String,
  masked_token: Schema.String,
  expires_at: Schema.NullOr(Schema.String)
})

Effect.gen(function*() {
  const key = yield* Config.redacted("DEEPSET_API_KEY")
  const client = yield* HttpClient.HttpClient
  const response = yield* client.execute(
    HttpClientRequest.get(`https://api.cloud.deepset.ai/api/v1/token/${process.argv[2]}`).pipe(
      HttpClientRequest.bearerToken(key),
      HttpClientRequest.acceptJson
    )
  )
  return yield* HttpClientResponse.schemaBodyJson(TokenMeta)(response)
}).pipe(Effect.provide(FetchHttpClient.layer), Effect.runPromise).then((meta) => console.log(meta.name))
