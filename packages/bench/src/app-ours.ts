// A minimal app on our packages: retrieve a token with ApiTokens on FetchHttpClient. Its bundle size is
// measured, and its cold start against the simulator. Printing the result is what such a script does.
// Subpath imports, like app-plain.ts: the "effect" barrel can pull fast-check into a bundle.
import { ApiTokens } from "@deepset-tokens/client"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

Effect.flatMap(ApiTokens, (t) => t.retrieve(process.argv[2] ?? "")).pipe(
  Effect.provide(ApiTokens.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.runPromise
).then((meta) => console.log(meta.name))
