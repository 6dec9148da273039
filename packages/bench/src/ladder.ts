/**
 * Where the per-request time goes, as a ladder: each rung adds one piece of the pipeline, against the same
 * loopback server in another process, at concurrency 1, in alternating rounds (median). Rungs:
 *
 * - raw undici, then the same inside one `runPromise` (the floor of any Effect call),
 * - `retrieve` on `UndiciTransport` (the lean path), coalescing off, then the defaults,
 * - `@effect/platform`'s undici `HttpClient` (`execute` + `text`), then with parse + decode, then with the
 *   per-attempt `Effect.timeoutFail` (what the generic path is built from),
 * - `retrieve` on the platform client (the generic path), coalescing off, then the defaults,
 * - the fetch equivalents.
 *
 * Prints JSON rows for run.mjs.
 */
// A benchmark harness, not library code: a failed sanity check throws and stops the run.
import { ApiTokens, FetchTransport, TokenMeta } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, Either, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { Agent, request } from "undici"

const port = Number(process.env.PORT)
const base = `http://127.0.0.1:${port}`
const id = process.env.TOKEN_ID!
const key = "api_bench_key_0123456789"
const rounds = Number(process.env.ROUNDS ?? 7)
const perRound = Number(process.env.LADDER_PER_ROUND ?? 1000)
const url = `${base}/api/v1/token/${id}`
const headers = { authorization: `Bearer ${key}`, accept: "application/json" }
const maxBodyBytes = 1024 * 1024
const decode = Schema.decodeUnknownEither(TokenMeta)

class Failed {
  readonly _tag = "Failed"
  constructor(readonly reason: string) {}
}

const main = async () => {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 60_000 })
  const dispatcher = Layer.succeed(NodeHttpClient.Dispatcher, agent)
  const options = {
    apiKey: Redacted.make(key),
    baseUrl: base,
    timeout: "10 seconds",
    retry: { times: 2 },
    maxBodyBytes
  } as const
  const rt = ManagedRuntime.make(
    ApiTokens.layer({ ...options, coalesce: false }).pipe(
      Layer.provideMerge(NodeHttpClient.layerUndiciWithoutDispatcher),
      Layer.provide(dispatcher)
    )
  )
  const rtDefaults = ManagedRuntime.make(
    ApiTokens.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndiciWithoutDispatcher), Layer.provide(dispatcher))
  )
  const rtFetch = ManagedRuntime.make(
    ApiTokens.layer({ ...options, coalesce: false }).pipe(Layer.provideMerge(FetchHttpClient.layer))
  )
  const rtLean = ManagedRuntime.make(
    ApiTokens.layer({ ...options, coalesce: false }).pipe(
      Layer.provide(UndiciTransport.layerWithoutDispatcher),
      Layer.provide(dispatcher)
    )
  )
  const rtLeanDefaults = ManagedRuntime.make(
    ApiTokens.layer(options).pipe(Layer.provide(UndiciTransport.layerWithoutDispatcher), Layer.provide(dispatcher))
  )
  const rtLeanFetch = ManagedRuntime.make(
    ApiTokens.layer({ ...options, coalesce: false }).pipe(Layer.provide(FetchTransport.layer))
  )
  const tokensLean = await rtLean.runPromise(ApiTokens)
  const tokensLeanDefaults = await rtLeanDefaults.runPromise(ApiTokens)
  const tokensLeanFetch = await rtLeanFetch.runPromise(ApiTokens)
  const tokens = await rt.runPromise(ApiTokens)
  const tokensFetch = await rtFetch.runPromise(ApiTokens)
  const fetchClient = HttpClient.withTracerDisabledWhen(await rtFetch.runPromise(HttpClient.HttpClient), () => true)
  const tokensDefaults = await rtDefaults.runPromise(ApiTokens)
  const client = HttpClient.withTracerDisabledWhen(await rt.runPromise(HttpClient.HttpClient), () => true)
  const platformRequest = HttpClientRequest.get(url).pipe(
    HttpClientRequest.bearerToken(key),
    HttpClientRequest.acceptJson
  )

  const rawUndici = async () => {
    const res = await request(url, { dispatcher: agent, headers })
    return JSON.parse(await res.body.text())
  }

  const platformText = Effect.flatMap(client.execute(platformRequest), (response) => response.text)
  const platformDecoded = Effect.flatMap(platformText, (text) => {
    const decoded = decode(JSON.parse(text))
    return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.fail(new Failed("decode"))
  })
  const platformTimed = Effect.timeoutFail(platformDecoded, {
    duration: "10 seconds",
    onTimeout: () => new Failed("timeout")
  })

  const rungs: Record<string, () => Promise<unknown>> = {
    "raw undici.request + JSON.parse": rawUndici,
    "the same inside runPromise(Effect.promise(...))": () => rt.runPromise(Effect.promise(rawUndici)),
    "ApiTokens.retrieve on UndiciTransport (the lean path), coalescing off": () =>
      rtLean.runPromise(tokensLean.retrieve(id)),
    "… lean path, defaults (coalescing on)": () => rtLeanDefaults.runPromise(tokensLeanDefaults.retrieve(id)),
    "@effect/platform undici HttpClient: execute + text (tracer off)": () => rt.runPromise(platformText),
    "platform + JSON.parse + decode": () => rt.runPromise(platformDecoded),
    "platform + parse + decode + Effect.timeoutFail": () => rt.runPromise(platformTimed),
    "ApiTokens.retrieve on the platform client (the generic path), coalescing off": () =>
      rt.runPromise(tokens.retrieve(id)),
    "… generic path, defaults (coalescing on)": () => rtDefaults.runPromise(tokensDefaults.retrieve(id)),
    "fetch: raw fetch + res.json()": async () => (await fetch(url, { headers })).json(),
    "fetch: raw fetch with a signal and redirect: \"manual\" (as ours calls it) + text + JSON.parse": async () => {
      const controller = new AbortController()
      const res = await fetch(url, { headers, signal: controller.signal, redirect: "manual" })
      return JSON.parse(await res.text())
    },
    "fetch: @effect/platform FetchHttpClient execute + text (tracer off)": () =>
      rtFetch.runPromise(Effect.flatMap(fetchClient.execute(platformRequest), (response) => response.text)),
    "fetch: ApiTokens.retrieve on FetchHttpClient (the generic path), coalescing off": () =>
      rtFetch.runPromise(tokensFetch.retrieve(id)),
    "fetch: ApiTokens.retrieve on FetchTransport (the lean path), coalescing off": () =>
      rtLeanFetch.runPromise(tokensLeanFetch.retrieve(id))
  }

  // A harness, not library code: a rung that does not return the token stops the run.
  for (const [name, rung] of Object.entries(rungs)) {
    const out = await rung()
    const got = typeof out === "string" ? out.includes(id) : (out as { api_token_id?: string }).api_token_id === id
    if (!got) throw new Error(`${name} did not return the token`)
  }

  // Wall µs per request, and this process's CPU µs per request (user + system): the client's own cost,
  // less disturbed by other load on the machine than wall time.
  const measure = async (rung: () => Promise<unknown>, n: number) => {
    const started = performance.now()
    const cpu0 = process.cpuUsage()
    for (let i = 0; i < n; i++) await rung()
    const cpu = process.cpuUsage(cpu0)
    return { wall: ((performance.now() - started) * 1000) / n, cpu: (cpu.user + cpu.system) / n }
  }
  const names = Object.keys(rungs)
  for (const name of names) await measure(rungs[name]!, 1500) // warm-up
  const wall: Record<string, Array<number>> = {}
  const cpu: Record<string, Array<number>> = {}
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no rung always runs right after the same neighbour.
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!
      const m = await measure(rungs[name]!, perRound)
      ;(wall[name] ??= []).push(m.wall)
      ;(cpu[name] ??= []).push(m.cpu)
    }
  }
  const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  process.stdout.write(
    JSON.stringify(names.map((name) => ({ name, micros: median(wall[name]!), cpu: median(cpu[name]!) })))
  )
  await rt.dispose()
  await rtLean.dispose()
  await rtLeanDefaults.dispose()
  await rtLeanFetch.dispose()
  await rtDefaults.dispose()
  await rtFetch.dispose()
  await agent.close()
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
