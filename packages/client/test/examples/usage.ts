import { ApiTokens, FetchTransport, grantsWorkspace, isExpiredAt } from "@deepset-tokens/client"
import { DateTime, Effect, Layer } from "effect"

const program = Effect.gen(function*() {
  const tokens = yield* ApiTokens
  const meta = yield* tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
  const now = yield* DateTime.now
  yield* Effect.log(`${meta.name}: expired=${isExpiredAt(meta, now)} production=${grantsWorkspace(meta, "production")}`)
}).pipe(
  Effect.catchTags({
    TokenNotFound: (e) => Effect.logWarning(e.message),
    RateLimited: (e) => Effect.logWarning(e.message)
  })
)

// DEEPSET_API_KEY (required) and DEEPSET_API_URL (optional) come from the environment.
const MainLayer = ApiTokens.layerConfig().pipe(Layer.provide(FetchTransport.layer))

await Effect.runPromise(program.pipe(Effect.provide(MainLayer)))
