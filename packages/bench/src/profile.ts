/**
 * The workload run.mjs profiles with `node --cpu-prof`: sequential (c=1) retrieves against the loopback
 * server in another process, with `ApiTokens` on `UndiciTransport`, every safety feature on (coalescing off, so every
 * call is a request), or with raw undici (CLIENT=raw) for comparison. Warm-up first; prints JSON with the
 * number of measured requests and the wall time.
 */
import { ApiTokens } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Layer, ManagedRuntime, Redacted } from "effect"
import { Agent, request } from "undici"

const base = `http://127.0.0.1:${Number(process.env.PORT)}`
const id = process.env.TOKEN_ID!
const key = "api_bench_key_0123456789"
const n = Number(process.env.PROFILE_REQUESTS ?? 20_000)

const main = async () => {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 60_000 })
  const rt = ManagedRuntime.make(
    ApiTokens.layer({
      apiKey: Redacted.make(key),
      baseUrl: base,
      timeout: "10 seconds",
      retry: { times: 2 },
      maxBodyBytes: 1024 * 1024,
      coalesce: false
    }).pipe(
      Layer.provide(UndiciTransport.layerWithoutDispatcher),
      Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, agent))
    )
  )
  const tokens = await rt.runPromise(ApiTokens)
  const headers = { authorization: `Bearer ${key}`, accept: "application/json" }
  const url = `${base}/api/v1/token/${id}`
  const once = process.env.CLIENT === "raw"
    ? async () => JSON.parse(await (await request(url, { dispatcher: agent, headers })).body.text())
    : () => rt.runPromise(tokens.retrieve(id))
  // CONCURRENCY callers in parallel, each awaiting its previous call (1 unless set).
  const concurrency = Number(process.env.CONCURRENCY ?? 1)
  const loop = async (count: number) => {
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++
        await once()
      }
    }))
  }
  await loop(2000)
  const started = performance.now()
  await loop(n)
  const wallMs = performance.now() - started
  await rt.dispose()
  await agent.close()
  process.stdout.write(JSON.stringify({ requests: n, wallMs }))
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
