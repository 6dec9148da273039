/**
 * The simulator (`@deepset-tokens/testing`'s `Simulator`: the fake's model over real HTTP) in its own
 * process for the memory and cold-start scenarios, with per-request logging off. LATENCY_MS adds latency.
 * Prints one JSON line with the URL, the accepted key and a seeded id, then serves until SIGTERM/SIGINT.
 */
import { Simulator } from "@deepset-tokens/testing"
import { Duration, Effect, Redacted } from "effect"

const latency = Number(process.env.LATENCY_MS ?? 0)

Effect.gen(function*() {
  const sim = yield* Simulator.make({
    port: 0,
    tokens: 1,
    log: false,
    ...(latency > 0 ? { chaos: { latency: Duration.millis(latency) } } : {})
  })
  process.stdout.write(`${JSON.stringify({ url: sim.url, key: Redacted.value(sim.apiKey), id: sim.ids[0] })}\n`)
  yield* Effect.async<void>((resume) => {
    const stop = () => resume(Effect.void)
    process.once("SIGTERM", stop)
    process.once("SIGINT", stop)
  })
}).pipe(Effect.scoped, Effect.runPromise).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e))
    process.exit(1)
  }
)
