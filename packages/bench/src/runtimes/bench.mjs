// The runtime matrix: one plain ESM script, run unchanged on Node, Bun and Deno from a throwaway project where
// our packages were installed with plain npm from their packed tarballs (run.mjs sets that up). Prints JSON.
//
// Env: PORT, TOKEN_ID, ROUNDS, PER_ROUND; BENCH_GROUPS (comma list: fetch, undici, experiments).
//
// A harness, not a library path: the baselines (raw fetch, openapi-fetch) throw and the experiments die on a wrong
// answer on purpose, so a broken row fails the run instead of timing an error.
import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
import { decodeTokenMeta } from "@deepset-tokens/domain"
import { makeFetchGet } from "@deepset-tokens/wire"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, Exit, Layer, ManagedRuntime, Redacted, Runtime } from "effect"
import createClient from "openapi-fetch"

const env = process.env
const runtime = globalThis.Bun
  ? `Bun ${globalThis.Bun.version}`
  : globalThis.Deno
  ? `Deno ${globalThis.Deno.version.deno}`
  : `Node ${process.versions.node}`
const isNode = !globalThis.Bun && !globalThis.Deno
const base = `http://127.0.0.1:${env.PORT}`
const id = env.TOKEN_ID
const url = `${base}/api/v1/token/${id}`
const key = "api_bench_key_0123456789"
const rounds = Number(env.ROUNDS ?? 3)
const perRound = Number(env.PER_ROUND ?? 3000)
const groups = new Set((env.BENCH_GROUPS ?? "fetch,undici").split(","))
const headers = { authorization: `Bearer ${key}`, accept: "application/json" }
const noop = () => {}
const decoder = new TextDecoder()

const options = {
  apiKey: Redacted.make(key),
  baseUrl: base,
  timeout: "10 seconds",
  retry: { times: 2 },
  maxBodyBytes: 1024 * 1024,
  coalesce: false
}
const runtimes = []
const service = async (transport) => {
  const rt = ManagedRuntime.make(ApiTokens.layer(options).pipe(Layer.provide(transport)))
  runtimes.push(rt)
  const tokens = await rt.runPromise(ApiTokens)
  return { rt, tokens, run: (id) => rt.runPromise(tokens.retrieve(id)) }
}

/** Raw fetch with what safety needs, and nothing else: a signal, redirects refused, the body counted. */
const readCapped = async (response, max) => {
  const reader = response.body.getReader()
  const chunks = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (size + value.length > max) {
      reader.cancel().catch(noop)
      throw new Error("too large")
    }
    size += value.length
    chunks.push(value)
  }
  return decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
}
const safeRaw = async () => {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 10_000)
  try {
    const res = await fetch(url, { headers, signal: controller.signal, redirect: "manual" })
    if (res.status !== 200) throw new Error(`status ${res.status}`)
    return JSON.parse(await readCapped(res, 1024 * 1024))
  } finally {
    clearTimeout(timer)
  }
}

const immediateScheduler = {
  scheduleTask: (task) => task(),
  shouldYield: (fiber) => (fiber.currentOpCount > 2048 ? 0 : false)
}

// The fetch GET of the wire core (what `FetchTransport` sends with), timed and decoded as `ApiTokens` does, with no
// Effect around it: `onSettled` gets the token or an Error.
const wireGet = makeFetchGet(globalThis.fetch, {})
const leanRequest = {
  origin: base,
  path: `/api/v1/token/${id}`,
  headers: { ...headers, "user-agent": "bench" },
  maxBodyBytes: 1024 * 1024
}
const getToken = (onSettled) => {
  let timer
  const abort = wireGet(leanRequest, (r) => {
    clearTimeout(timer)
    if (r.status !== 200 || r.body.truncated || r.body.broken !== undefined) return onSettled(new Error("bad answer"))
    const decoded = decodeTokenMeta(JSON.parse(r.body.text))
    onSettled(decoded._tag === "Right" ? decoded.right : new Error("bad token"))
  }, (e) => {
    clearTimeout(timer)
    onSettled(e instanceof Error ? e : new Error(String(e)))
  })
  timer = setTimeout(abort, 10_000)
}
const wireGetPromise = () =>
  new Promise((resolve, reject) => getToken((v) => v instanceof Error ? reject(v) : resolve(v)))
// The least any Effect program around that GET costs: one fiber (`runPromise`), one `Effect.async`, no interruption
// handler, nothing else. `ApiTokens` cannot cost less than this on a runtime, only more.
const wireGetEffect = Effect.async((resume) => {
  getToken((v) => resume(v instanceof Error ? Exit.die(v) : Exit.succeed(v)))
})

const groupClients = {}
if (groups.has("fetch") || groups.has("experiments")) {
  const ours = await service(FetchTransport.layer)
  const openapi = createClient({ baseUrl: base })
  const tenInOneFiber = Effect.forEach(Array.from({ length: 10 }, () => id), (id) => ours.tokens.retrieve(id))
  const bare = ManagedRuntime.make(Layer.empty)
  runtimes.push(bare)
  groupClients.fetch = {
    "raw fetch + JSON.parse": async () => JSON.parse(await (await fetch(url, { headers })).text()),
    "openapi-fetch": async () => {
      const { data, error } = await openapi.GET("/api/v1/token/{api_token_id}", {
        params: { path: { api_token_id: id } },
        headers
      })
      if (error !== undefined) throw new Error("openapi-fetch failed")
      return data
    },
    "ApiTokens on FetchTransport": () => ours.run(id),
    // A service calls `retrieve` inside a fiber that exists anyway (a request handler's), not one fiber per call:
    // ten calls in one `runPromise`, timed per call.
    "ApiTokens on FetchTransport, 10 calls in one fiber (per call)": Object.assign(
      () => ours.rt.runPromise(tenInOneFiber).then((all) => all[9]),
      { calls: 10 }
    ),
    "our fetch GET as a Promise (the wire core with its timer and decode, no Effect)": wireGetPromise,
    "the same GET in runPromise(Effect.async) (the least an Effect call costs)": () => bare.runPromise(wireGetEffect),
    "raw fetch with our safety (signal, timer, redirect manual, capped reader)": safeRaw
  }
  if (groups.has("experiments")) {
    const asyncSafe = Effect.async((resume) => {
      safeRaw().then((v) => resume(Effect.succeed(v)), (e) => resume(Effect.die(e)))
    })
    const oursRuntime = await ours.rt.runtime()
    const runCallback = Runtime.runCallback(oursRuntime)
    groupClients.experiments = {
      "raw fetch + JSON.parse": groupClients.fetch["raw fetch + JSON.parse"],
      "raw + res.json()": async () => (await fetch(url, { headers })).json(),
      "raw + arrayBuffer": async () => JSON.parse(decoder.decode(await (await fetch(url, { headers })).arrayBuffer())),
      "raw + reader loop": async () => JSON.parse(await readCapped(await fetch(url, { headers }), 1 << 20)),
      "raw + AbortController": async () => {
        const c = new AbortController()
        return JSON.parse(await (await fetch(url, { headers, signal: c.signal })).text())
      },
      "raw + AbortSignal.timeout": async () =>
        JSON.parse(await (await fetch(url, { headers, signal: AbortSignal.timeout(10_000) })).text()),
      "raw + redirect manual": async () => JSON.parse(await (await fetch(url, { headers, redirect: "manual" })).text()),
      "raw + 2 headers.get": async () => {
        const res = await fetch(url, { headers })
        res.headers.get("content-type")
        res.headers.get("x-request-id")
        return JSON.parse(await res.text())
      },
      "safe raw": safeRaw,
      "safe raw in Effect.runPromise(Effect.async)": () => Effect.runPromise(asyncSafe),
      "safe raw in Effect.runFork + addObserver": () =>
        new Promise((resolve) => Effect.runFork(asyncSafe).addObserver((exit) => resolve(exit.value))),
      // The fiber ladder: the wire GET alone, after a fiber that does nothing, in one Effect.async, and in one
      // Effect.async with an interruption handler (what Effect.async with a canceler adds).
      "wire GET as a Promise": wireGetPromise,
      "runPromise(Effect.void), then the wire GET as a Promise": async () => {
        await bare.runPromise(Effect.void)
        return wireGetPromise()
      },
      // Cold code: if the first Effect run after an idle wait pays for bringing Effect's code and data back
      // into the CPU's caches, ten runs cost little more than one.
      "10× runPromise(Effect.void), then the wire GET as a Promise": async () => {
        for (let i = 0; i < 10; i++) await bare.runPromise(Effect.void)
        return wireGetPromise()
      },
      "wire GET in runPromise(Effect.async)": () => bare.runPromise(wireGetEffect),
      "wire GET in runPromise(Effect.async) with an interruption handler": () =>
        // The canceler does nothing here (the bench never interrupts): only its handler's cost is measured.
        bare.runPromise(Effect.async((resume) => {
          getToken((v) => resume(v instanceof Error ? Exit.die(v) : Exit.succeed(v)))
          return Effect.void
        })),
      "ApiTokens on FetchTransport": () => ours.run(id),
      "ApiTokens on FetchTransport via Effect.runPromise": () => Effect.runPromise(ours.tokens.retrieve(id)),
      "ApiTokens on FetchTransport via rt.runPromiseExit": () =>
        ours.rt.runPromiseExit(ours.tokens.retrieve(id)).then((e) => e.value),
      // Effect's default scheduler resumes a fiber from a microtask (a setTimeout(0) only after 2048 drains in a
      // row); this one runs the resumed fiber at once, inside fetch's own callback.
      "ApiTokens on FetchTransport, resumed synchronously": () =>
        ours.rt.runPromise(Effect.withScheduler(ours.tokens.retrieve(id), immediateScheduler)),
      "ApiTokens on FetchTransport via runCallback": () =>
        new Promise((resolve) => runCallback(ours.tokens.retrieve(id), { onExit: (exit) => resolve(exit.value) }))
    }
    const only = (env.ONLY ?? "").split(",").filter(Boolean)
    if (only.length > 0) {
      groupClients.experiments = Object.fromEntries(
        Object.entries(groupClients.experiments).filter(([k], i) => i === 0 || only.some((o) => k.includes(o)))
      )
    }
    if (!groups.has("fetch")) delete groupClients.fetch
  }
}

let agent
if (groups.has("undici") && isNode) {
  const { Agent, request } = await import("undici")
  const UndiciTransport = await import("@deepset-tokens/client/UndiciTransport")
  const NodeHttpClient = await import("@effect/platform-node/NodeHttpClient")
  agent = new Agent({ connections: 128, keepAliveTimeout: 60_000 })
  const dispatcher = Layer.succeed(NodeHttpClient.Dispatcher, agent)
  const undiciLayer = UndiciTransport.layerWithoutDispatcher.pipe(Layer.provide(dispatcher))
  const ours = await service(undiciLayer)
  const derive = (f) =>
    Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, f)).pipe(Layer.provide(undiciLayer))
  // A request-side customization keeps the lean path (the mapped request goes out on it); a response-side one
  // takes the platform pipeline, the generic path every other HttpClient takes.
  const derived = await service(derive(HttpClient.mapRequest(HttpClientRequest.setHeader("x-extra", "1"))))
  const tapped = await service(derive(HttpClient.tap(() => Effect.void)))
  groupClients.undici = {
    "raw undici.request + JSON.parse": async () => {
      const res = await request(url, { dispatcher: agent, headers })
      return JSON.parse(await res.body.text())
    },
    "ApiTokens on UndiciTransport": () => ours.run(id),
    "ApiTokens on a derived client (HttpClient.mapRequest adds a header)": () => derived.run(id),
    "ApiTokens on a derived client (HttpClient.tap: the generic path)": () => tapped.run(id)
  }
}

const cpuUsage = typeof process.cpuUsage === "function" ? () => process.cpuUsage() : undefined
const measure = async (client, concurrency, n) => {
  const cpu0 = cpuUsage?.()
  const started = performance.now()
  let next = 0
  // A client that makes several calls per invocation says how many (`calls`): times are per call.
  const calls = client.calls ?? 1
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next += calls
      await client()
    }
  }))
  // `next` counts the calls made, which overshoots `n` by up to a batch per lane.
  const wall = ((performance.now() - started) * 1000) / next
  const used = cpu0 === undefined ? undefined : process.cpuUsage(cpu0)
  return { wall, cpu: used === undefined ? null : (used.user + used.system) / next }
}

const out = { runtime, rounds, perRound, groups: {} }
for (const [group, clients] of Object.entries(groupClients)) {
  for (const [name, client] of Object.entries(clients)) {
    const value = await client()
    if (value?.api_token_id !== id) throw new Error(`${name} did not return the token`)
  }
  const names = Object.keys(clients)
  for (const name of names) await measure(clients[name], 8, Math.min(2000, perRound))
  const cs = group === "undici" ? [1, 64] : [1, 64]
  const wall = {}
  const cpu = {}
  for (let round = 0; round < rounds; round++) {
    for (const c of cs) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length]
        const m = await measure(clients[name], c, perRound)
        ;((wall[name] ??= {})[c] ??= []).push(m.wall)
        ;((cpu[name] ??= {})[c] ??= []).push(m.cpu)
      }
    }
  }
  const best = (xs) => (xs === undefined || xs.includes(null) ? null : Math.min(...xs))
  const ref = names[0]
  out.groups[group] = names.map((name) => {
    const row = { name }
    for (const c of cs) {
      const w = best(wall[name]?.[c])
      row[`c${c}`] = w === null ? null : { us: w, ratio: w / best(wall[ref][c]), cpu: best(cpu[name][c]) }
    }
    return row
  })
}
process.stdout.write(`${JSON.stringify(out)}\n`)
for (const rt of runtimes) await rt.dispose()
await agent?.close()
process.exit(0)
