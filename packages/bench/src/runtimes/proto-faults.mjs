// Fault checks for the prototype's lean GET on this runtime: redirect refused, cap (declared and chunked),
// timeout before the headers and while the body stalls; each twice, so on Node the second goes to fetch's
// dispatcher directly. From dist/runtimes/project after a runtimes run:
//   node fault-server.mjs & FPORT=37700 npx -y deno@2.9.6 run -A proto-faults.mjs
// A manual check that prints its outcomes (console.log) for a person to read; it is not a test.
import { ApiTokens } from "@deepset-tokens/client"
import { Effect, Layer, Redacted } from "effect"
import * as Proto from "./proto.mjs"
const base = `http://127.0.0.1:${process.env.FPORT ?? 37700}`
const layer = ApiTokens.layer({
  apiKey: Redacted.make("api_bench_key_0123456789"),
  baseUrl: base,
  timeout: "300 millis",
  retry: false,
  maxBodyBytes: 1000,
  coalesce: false
}).pipe(Layer.provide(Proto.layer))
const ids = {
  ok: "0f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35",
  redirect: "1f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35",
  declaredBig: "2f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35",
  chunkedBig: "3f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35",
  slow: "4f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35",
  slowBody: "5f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35"
}
const prog = Effect.gen(function*() {
  const t = yield* ApiTokens
  const out = {}
  for (const round of [1, 2]) {
    for (const [k, id] of Object.entries(ids)) {
      const e = yield* Effect.either(t.retrieve(id))
      out[`${k}#${round}`] = e._tag === "Right"
        ? "ok"
        : `${e.left._tag}${e.left.issue ? ": " + e.left.issue.slice(0, 50) : ""}${
          e.left.status ? " " + e.left.status : ""
        }`
    }
  }
  return out
})
console.log(await Effect.runPromise(Effect.provide(prog, layer)))
process.exit(0)
