// The same app written directly on effect + @effect/platform, as a careful user without our packages
// might: key from the environment, bearer auth, a status check, a timeout, retries, and a schema for the
// token's fields. Its bundle size is the baseline that app-ours.ts is compared with.
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const TokenMeta = Schema.Struct({
  all_workspaces: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  api_token_id: Schema.UUID,
  expires: Schema.Boolean,
  expires_at: Schema.NullOr(Schema.DateTimeUtc),
  masked_token: Schema.String,
  name: Schema.String,
  organization_role: Schema.Literal("ADMIN", "MEMBER", "EXTERNAL"),
  personal: Schema.Boolean,
  role: Schema.String,
  user: Schema.Struct({ given_name: Schema.String, family_name: Schema.String }),
  workspaces: Schema.Array(Schema.Struct({ name: Schema.String }))
})

Effect.gen(function*() {
  const key = yield* Config.redacted("DEEPSET_API_KEY")
  const base = yield* Config.withDefault(Config.string("DEEPSET_API_URL"), "https://api.cloud.deepset.ai")
  const client = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
  const response = yield* client.execute(
    HttpClientRequest.get(`${base}/api/v1/token/${encodeURIComponent(process.argv[2] ?? "")}`).pipe(
      HttpClientRequest.bearerToken(key),
      HttpClientRequest.acceptJson
    )
  )
  return yield* HttpClientResponse.schemaBodyJson(TokenMeta)(response)
}).pipe(
  Effect.timeout("10 seconds"),
  Effect.retry({ times: 2 }),
  Effect.provide(FetchHttpClient.layer),
  Effect.runPromise
).then((meta) => console.log(meta.name))
