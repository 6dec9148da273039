/**
 * `node main.ts ids.txt`: checks the ids in the file (one per line) every hour and logs what needs
 * attention. Needs `DEEPSET_API_KEY`; `DEEPSET_API_URL` points it at the simulator instead of deepset.
 *
 * @since 0.1.0
 */
import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Schedule } from "effect"
import { readFile } from "node:fs/promises"
import { logReport, monitor } from "./Monitor.js"

// Cached for longer than the interval: expiry instants rarely change, so most runs are answered from memory
// while the report is still judged against the current time.
// DEEPSET_API_KEY and DEEPSET_API_URL from the environment; the cache is an option like any other.
const TokensLive = ApiTokens.layerConfig({ cache: { ttl: "6 hours", capacity: 10_000 } }).pipe(
  Layer.provide(FetchTransport.layer)
)

const program = Effect.gen(function*() {
  const file = process.argv[2] ?? "ids.txt"
  const text = yield* Effect.tryPromise(() => readFile(file, "utf8"))
  const ids = text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0)
  return yield* monitor(ids, { warnWithin: "14 days", concurrency: 8 }, Schedule.fixed("1 hour"), logReport)
})

program.pipe(Effect.provide(TokensLive), NodeRuntime.runMain)
