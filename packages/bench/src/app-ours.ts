// A minimal app on our packages: retrieve a token with ApiTokens on FetchHttpClient. Only its bundle size
// is measured; printing the result is what such a script does.
import { ApiTokens } from "@deepset-tokens/client"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"

Effect.flatMap(ApiTokens, (t) => t.retrieve(process.argv[2] ?? "")).pipe(
  Effect.provide(ApiTokens.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.runPromise
).then((meta) => console.log(meta.name))
