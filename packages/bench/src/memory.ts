/**
 * 10,000 concurrent retrieves against a server in another process that adds latency (the simulator, or
 * the bench's own server when the simulator is not available), with `ApiTokens` on undici (CLIENT=ours,
 * coalescing off so every call is a request) or raw undici (CLIENT=raw, for reference). Samples peak heap
 * and RSS, then measures what is retained after a forced GC, first with the runtime still alive (its
 * connection pool is legitimately held), then after disposing it. Run with --expose-gc. Prints JSON.
 */
import { ApiTokens } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import { Agent, request } from "undici"

const calls = Number(process.env.CALLS ?? 10_000)
const baseUrl = process.env.BASE_URL!
const key = process.env.KEY!
const id = process.env.TOKEN_ID!
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const mb = (bytes: number) => bytes / 2 ** 20

const settle = async () => {
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 50))
  }
}

const main = async () => {
  // A default undici Agent (no connection limit per origin), as UndiciTransport.layer builds it, held here
  // so its pool can be counted.
  const agent = new Agent()
  // The client logs each retry at debug level; count them instead of printing.
  let retries = 0
  const countRetries = Logger.make(({ message }) => {
    if (String(message).includes("retrying")) retries++
  })
  const rt = ManagedRuntime.make(
    ApiTokens.layer({
      apiKey: Redacted.make(key),
      baseUrl,
      coalesce: false,
      // Generous: the point is memory under load, not the server's queueing.
      timeout: "60 seconds",
      retry: { times: 2 },
      maxBodyBytes: 1024 * 1024
    }).pipe(
      Layer.provide(UndiciTransport.layerWithoutDispatcher),
      Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, agent)),
      Layer.provideMerge(Logger.replace(Logger.defaultLogger, countRetries)),
      Layer.provideMerge(Logger.minimumLogLevel(LogLevel.Debug))
    )
  )
  const tokens = await rt.runPromise(ApiTokens)
  const url = `${baseUrl.replace(/\/$/, "")}/api/v1/token/${id}`
  const headers = { authorization: `Bearer ${key}`, accept: "application/json" }
  const failures: Record<string, number> = {}
  const failed = (reason: string) => {
    failures[reason] = (failures[reason] ?? 0) + 1
    return false
  }
  const raw = async () => {
    try {
      // Bounded, so a request stuck in the server's accept queue fails instead of stalling the run.
      const res = await request(url, { dispatcher: agent, headers, headersTimeout: 30_000, bodyTimeout: 30_000 })
      if (res.statusCode !== 200) {
        await res.body.dump()
        return failed(`status ${res.statusCode}`)
      }
      JSON.parse(await res.body.text())
      return true
    } catch (e) {
      return failed((e as { code?: string }).code ?? String(e).slice(0, 80))
    }
  }
  const ours = process.env.CLIENT !== "raw"
  if (ours) await rt.runPromise(tokens.retrieve(id))
  else await raw()
  await settle()
  const before = process.memoryUsage()
  let peakHeap = before.heapUsed
  let peakRss = before.rss
  let peakConnections = 0
  const sample = () => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
    for (const pool of Object.values(agent.stats)) {
      // A pool reports how many sockets are connected; a single client, whether it is.
      const connected = typeof pool.connected === "number" ? pool.connected : pool.connected ? 1 : 0
      peakConnections = Math.max(peakConnections, connected)
    }
  }
  const sampler = setInterval(sample, 5)
  const burst = async () =>
    ours
      ? (await rt.runPromise(
        Effect.forEach(
          Array.from({ length: calls }),
          () =>
            Effect.match(tokens.retrieve(id), {
              onFailure: (e) => failed("reason" in e ? `${e._tag}: ${String(e.reason).slice(0, 80)}` : e._tag),
              onSuccess: () => true
            }),
          { concurrency: "unbounded" }
        )
      )).filter(Boolean).length
      : (await Promise.all(Array.from({ length: calls }, raw))).filter(Boolean).length
  const started = performance.now()
  const ok = await burst()
  const wallMs = performance.now() - started
  sample()
  await settle()
  const alive = process.memoryUsage()
  // A leak grows with every burst: run a second one (ours only; raw is the reference) and compare.
  let growthMB: number | undefined
  if (ours) {
    await burst()
    sample()
    await settle()
    growthMB = mb(process.memoryUsage().heapUsed - alive.heapUsed)
  }
  clearInterval(sampler)
  await rt.dispose()
  await agent.close()
  await settle()
  const disposed = process.memoryUsage()
  process.stdout.write(JSON.stringify({
    ok,
    calls,
    failures,
    retries,
    wallMs,
    peakConnections,
    baselineHeapMB: mb(before.heapUsed),
    peakHeapMB: mb(peakHeap),
    peakRssMB: mb(peakRss),
    retainedAliveMB: mb(alive.heapUsed - before.heapUsed),
    growthMB,
    retainedDisposedMB: mb(disposed.heapUsed - before.heapUsed)
  }))
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
