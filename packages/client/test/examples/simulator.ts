import { ApiTokens } from "@deepset-tokens/client"
import { Fault, Simulator } from "@deepset-tokens/testing"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"

const program = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  yield* sim.api.script(Fault.status(503, "", { "retry-after": "0" })) // the first request fails, the retry works
  const tokens = yield* ApiTokens
  return yield* tokens.retrieve(sim.ids[0]!)
})

const ClientLayer = Layer.unwrapEffect(
  Effect.map(Simulator.Simulator, (sim) => ApiTokens.layer({ apiKey: sim.apiKey, baseUrl: sim.url }))
).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(Simulator.layer({ tokens: 10, log: false })))

Effect.runPromise(program.pipe(Effect.provide(ClientLayer)))
