/**
 * Socket-free costs: decode per TokenMeta, client CPU per retrieve on the fake transport (success and the
 * main error paths), a cache hit, and 10,000 concurrent same-id calls. Prints JSON rows for run.mjs.
 */
import { ApiTokens, TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { Effect, FastCheck as fc, Layer, ManagedRuntime, Schema } from "effect"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 1 })[0]!
const n = Number(process.env.PER_ROUND ?? 2000)

const cpu = (f: () => void, iterations: number) => {
  for (let i = 0; i < Math.min(1000, iterations); i++) f()
  const c0 = process.cpuUsage()
  for (let i = 0; i < iterations; i++) f()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / iterations
}

const cpuAsync = async (f: () => Promise<unknown>, iterations: number) => {
  for (let i = 0; i < Math.min(500, iterations); i++) await f()
  const c0 = process.cpuUsage()
  for (let i = 0; i < iterations; i++) await f()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / iterations
}

const main = async () => {
  const rows: Array<{ name: string; micros: number; note?: string }> = []
  const wire = JSON.parse(JSON.stringify(Schema.encodeSync(TokenMeta)(token)))
  const decode = Schema.decodeUnknownSync(TokenMeta)
  rows.push({ name: "decode one TokenMeta (Schema.decodeUnknownSync)", micros: cpu(() => decode(wire), n * 20) })

  const fake = (options: Parameters<typeof ApiTokens.layer>[0]) =>
    ManagedRuntime.make(ApiTokens.layer(options).pipe(Layer.provideMerge(FakeDeepsetApi.layer({ tokens: [token] }))))
  const rt = fake({ apiKey: FakeDeepsetApi.defaultApiKey, retry: false, coalesce: false })
  const tokens = await rt.runPromise(ApiTokens)
  const api = await rt.runPromise(FakeDeepsetApi.FakeDeepsetApi)
  rows.push({
    name: "runPromise(Effect.void) (the floor of any Effect call)",
    micros: await cpuAsync(() => rt.runPromise(Effect.void), n)
  })
  rows.push({
    name: "retrieve on the fake: 200",
    micros: await cpuAsync(() => rt.runPromise(tokens.retrieve(token.api_token_id)), n)
  })
  rows.push({
    name: "retrieve on the fake: 404",
    micros: await cpuAsync(
      () => rt.runPromise(Effect.either(tokens.retrieve("00000000-0000-4000-8000-000000000000"))),
      n
    )
  })
  const scripted = (fault: Fault.Fault) => async () => {
    await rt.runPromise(api.script(fault))
    return rt.runPromise(Effect.either(tokens.retrieve(token.api_token_id)))
  }
  rows.push({
    name: "retrieve on the fake: 429 (one attempt, retries off)",
    micros: await cpuAsync(scripted(Fault.status(429, "", { "retry-after": "1" })), n)
  })
  rows.push({
    name: "retrieve on the fake: malformed 200",
    micros: await cpuAsync(scripted(Fault.status(200, "{\"name\":1}", { "content-type": "application/json" })), n)
  })
  rows.push({
    name: "invalid id (no request)",
    micros: await cpuAsync(() => rt.runPromise(Effect.either(tokens.retrieve("nope"))), n)
  })
  await rt.dispose()

  const cached = ManagedRuntime.make(
    ApiTokens.layerCached({ apiKey: FakeDeepsetApi.defaultApiKey, cache: { ttl: "1 hour", capacity: 1000 } }).pipe(
      Layer.provideMerge(FakeDeepsetApi.layer({ tokens: [token] }))
    )
  )
  const cachedTokens = await cached.runPromise(ApiTokens)
  await cached.runPromise(cachedTokens.retrieve(token.api_token_id))
  const hits = n * 50
  const c0 = process.cpuUsage()
  await cached.runPromise(Effect.repeatN(cachedTokens.retrieve(token.api_token_id), hits - 1))
  const c = process.cpuUsage(c0)
  rows.push({ name: "cache hit (inside one Effect)", micros: (c.user + c.system) / hits })
  await cached.dispose()

  const coalescing = ManagedRuntime.make(
    ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(
      Layer.provideMerge(FakeDeepsetApi.layer({ tokens: [token], latency: "20 millis" }))
    )
  )
  const coTokens = await coalescing.runPromise(ApiTokens)
  const coApi = await coalescing.runPromise(FakeDeepsetApi.FakeDeepsetApi)
  await coalescing.runPromise(
    Effect.forEach(Array.from({ length: 10_000 }), () => coTokens.retrieve(token.api_token_id), {
      concurrency: "unbounded"
    })
  )
  const sent = (await coalescing.runPromise(coApi.requests)).length
  rows.push({ name: "10,000 concurrent same-id retrieves: requests sent", micros: sent, note: "count, not µs" })
  await coalescing.dispose()
  process.stdout.write(JSON.stringify(rows))
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
