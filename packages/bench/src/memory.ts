/**
 * 10,000 concurrent retrieves against the simulator (another process, 50 ms added latency) on undici,
 * coalescing off so every call is a request. Samples peak heap and RSS, then checks what is retained
 * after a forced GC. Prints JSON for run.mjs. Run with --expose-gc.
 */
import { ApiTokens } from "@deepset-tokens/client"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 50))
  }
}

const main = async () => {
  const rt = ManagedRuntime.make(
    ApiTokens.layer({
      apiKey: Redacted.make(process.env.KEY!),
      baseUrl: process.env.BASE_URL!,
      coalesce: false,
      timeout: "60 seconds"
    }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  )
  const tokens = await rt.runPromise(ApiTokens)
  await rt.runPromise(tokens.retrieve(process.env.TOKEN_ID!))
  await settle()
  const before = process.memoryUsage()
  let peakHeap = before.heapUsed
  let peakRss = before.rss
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
  }, 5)
  const started = performance.now()
  const results = await rt.runPromise(
    Effect.forEach(Array.from({ length: 10_000 }), () => Effect.either(tokens.retrieve(process.env.TOKEN_ID!)), {
      concurrency: "unbounded"
    })
  )
  const wall = performance.now() - started
  clearInterval(sampler)
  const ok = results.filter((r) => r._tag === "Right").length
  await settle()
  const after = process.memoryUsage()
  await rt.dispose()
  process.stdout.write(JSON.stringify({
    ok,
    wallMs: wall,
    baselineHeapMB: before.heapUsed / 2 ** 20,
    peakHeapMB: peakHeap / 2 ** 20,
    peakRssMB: peakRss / 2 ** 20,
    retainedHeapMB: (after.heapUsed - before.heapUsed) / 2 ** 20
  }))
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
