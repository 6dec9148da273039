/**
 * Per-retrieve cost against a loopback server in another process, at concurrency 1 and 64, in alternating
 * rounds: raw undici (the limit), raw fetch, openapi-fetch, and ApiTokens on our fetch and undici transports
 * (`FetchTransport`, `UndiciTransport`), every safety feature on. Prints JSON rows for run.mjs.
 */
import { ApiTokens, FetchTransport, type TokenMeta } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Layer, ManagedRuntime, Redacted, type Schema } from "effect"
import createClient from "openapi-fetch"
import { Agent, request } from "undici"

const port = Number(process.env.PORT)
const base = `http://127.0.0.1:${port}`
const id = process.env.TOKEN_ID!
const key = "api_bench_key_0123456789"
const rounds = Number(process.env.ROUNDS ?? 7)
const perRound = Number(process.env.PER_ROUND ?? 2000)

interface paths {
  "/api/v1/token/{api_token_id}": {
    get: {
      parameters: { path: { api_token_id: string } }
      responses: { 200: { content: { "application/json": Schema.Schema.Encoded<typeof TokenMeta> } } }
    }
  }
}

type Client = () => Promise<unknown>

const main = async () => {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 60_000 })
  const options = {
    apiKey: Redacted.make(key),
    baseUrl: base,
    timeout: "10 seconds",
    retry: { times: 2 },
    maxBodyBytes: 1024 * 1024,
    coalesce: false
  } as const
  const viaFetch = ManagedRuntime.make(ApiTokens.layer(options).pipe(Layer.provide(FetchTransport.layer)))
  const viaUndici = ManagedRuntime.make(
    ApiTokens.layer(options).pipe(
      Layer.provide(UndiciTransport.layerWithoutDispatcher),
      Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, agent))
    )
  )
  const tokensFetch = await viaFetch.runPromise(ApiTokens)
  const tokensUndici = await viaUndici.runPromise(ApiTokens)
  const openapi = createClient<paths>({ baseUrl: base })
  const headers = { authorization: `Bearer ${key}`, accept: "application/json" }

  const clients: Record<string, Client> = {
    "raw undici.request + JSON.parse": async () => {
      const res = await request(`${base}/api/v1/token/${id}`, { dispatcher: agent, headers })
      return JSON.parse(await res.body.text())
    },
    "raw fetch": async () => {
      const res = await fetch(`${base}/api/v1/token/${id}`, { headers })
      return res.json()
    },
    "openapi-fetch": async () => {
      const { data, error } = await openapi.GET("/api/v1/token/{api_token_id}", {
        params: { path: { api_token_id: id } },
        headers
      })
      if (error !== undefined) throw new Error("openapi-fetch failed")
      return data
    },
    "ApiTokens on FetchTransport": () => viaFetch.runPromise(tokensFetch.retrieve(id)),
    "ApiTokens on UndiciTransport": () => viaUndici.runPromise(tokensUndici.retrieve(id))
  }

  // Sanity: every client gets the token. A harness script, not library code: a failed check stops the run.
  for (const [name, client] of Object.entries(clients)) {
    const out = (await client()) as { api_token_id?: string }
    if (out.api_token_id !== id) throw new Error(`${name} did not return the token`)
  }

  const measure = async (client: Client, concurrency: number, n: number) => {
    const started = performance.now()
    const cpu0 = process.cpuUsage()
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        await client()
      }
    }))
    const used = process.cpuUsage(cpu0)
    return { wall: ((performance.now() - started) * 1000) / n, cpu: (used.user + used.system) / n }
  }

  const results: Record<string, Record<number, Array<number>>> = {}
  const cpu: Record<string, Record<number, Array<number>>> = {}
  const names = Object.keys(clients)
  for (const client of Object.values(clients)) await measure(client, 8, 2000) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of [1, 64]) {
      // Rotate the order each round so no client always runs right after the same neighbour.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length]!
        const m = await measure(clients[name]!, concurrency, perRound)
        ;(results[name] ??= { 1: [], 64: [] })[concurrency]!.push(m.wall)
        ;(cpu[name] ??= { 1: [], 64: [] })[concurrency]!.push(m.cpu)
      }
    }
  }
  const stats = (xs: Array<number>) => {
    const sorted = [...xs].sort((a, b) => a - b)
    return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! }
  }
  // Ratios are taken round by round (each client against raw undici in the same round), then the median:
  // slow drifts of a shared machine cancel out.
  const limit = results[names[0]!]!
  const ratios = (name: string, c: 1 | 64) => stats(results[name]![c]!.map((x, r) => x / limit[c]![r]!))
  const rows = names.map((name) => ({
    name,
    c1: stats(results[name]![1]!),
    c64: stats(results[name]![64]!),
    ratio1: ratios(name, 1),
    ratio64: ratios(name, 64),
    cpu1: stats(cpu[name]![1]!).median,
    cpu64: stats(cpu[name]![64]!).median
  }))
  process.stdout.write(JSON.stringify(rows))
  await viaFetch.dispose()
  await viaUndici.dispose()
  await agent.close()
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
