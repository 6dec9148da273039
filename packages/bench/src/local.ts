/**
 * Socket-free costs: decode per TokenMeta, client CPU per retrieve on the fake transport (success and the
 * main error paths), a cache hit, and 10,000 concurrent same-id calls. Prints JSON rows for run.mjs.
 */
import { ApiTokens, decodeTokenMeta, TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { Effect, FastCheck as fc, Layer, ManagedRuntime, Schema } from "effect"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 1 })[0]!
const n = Number(process.env.PER_ROUND ?? 2000)

interface Row {
  readonly name: string
  readonly micros?: number
  readonly text?: string
}

const rounds = Number(process.env.ROUNDS ?? 7)

/** A measured operation: `iterations` sequential calls per round. */
interface Case {
  readonly name: string
  readonly iterations: number
  readonly sync?: () => unknown
  readonly async?: () => Promise<unknown>
}

/** CPU µs per call (user + system, so GC threads count too) of one round. */
const measure = async (c: Case) => {
  const c0 = process.cpuUsage()
  if (c.sync !== undefined) { for (let i = 0; i < c.iterations; i++) c.sync() }
  else for (let i = 0; i < c.iterations; i++) await c.async!()
  const used = process.cpuUsage(c0)
  return (used.user + used.system) / c.iterations
}

/**
 * A long warm-up (Effect's code paths take a few thousand calls to reach steady state under the JIT), then
 * alternating rounds over all cases (so drift hits all alike); the median per case.
 */
const measureAll = async (cases: ReadonlyArray<Case>, beforeRound: () => Promise<unknown> = async () => {}) => {
  for (const c of cases) for (let i = 0; i < 4; i++) await measure(c)
  const runs = cases.map(() => [] as Array<number>)
  for (let round = 0; round < rounds; round++) {
    await beforeRound()
    for (let k = 0; k < cases.length; k++) runs[k]!.push(await measure(cases[k]!))
  }
  return cases.map((c, k): Row => ({
    name: c.name,
    micros: [...runs[k]!].sort((a, b) => a - b)[Math.floor(rounds / 2)]!
  }))
}

const main = async () => {
  const rows: Array<Row> = []
  const wireText = JSON.stringify(Schema.encodeSync(TokenMeta)(token))
  const wire = JSON.parse(wireText)
  const decodeSync = Schema.decodeUnknownSync(TokenMeta)
  const decodeEither = Schema.decodeUnknownEither(TokenMeta)
  const many = n * 5
  rows.push(
    ...await measureAll([
      { name: "decode one TokenMeta: Schema.decodeUnknownSync", iterations: many, sync: () => decodeSync(wire) },
      {
        name: "decode one TokenMeta: Schema.decodeUnknownEither",
        iterations: many,
        sync: () => decodeEither(wire)
      },
      {
        name: "decode one TokenMeta: decodeTokenMeta (what the client uses; same result, schema on doubt)",
        iterations: many,
        sync: () => decodeTokenMeta(wire)
      },
      { name: "JSON.parse of the same body (for scale)", iterations: many, sync: () => JSON.parse(wireText) }
    ])
  )

  const rt = ManagedRuntime.make(
    ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, retry: false, coalesce: false }).pipe(
      Layer.provideMerge(FakeDeepsetApi.layer({ tokens: [token] }))
    )
  )
  const tokens = await rt.runPromise(ApiTokens)
  const api = await rt.runPromise(FakeDeepsetApi.FakeDeepsetApi)
  const id = token.api_token_id
  // A real server sends Content-Length; Fault.status does not add one, so it is set here.
  const answer = (status: number, body: string, headers: Record<string, string> = {}) =>
    Fault.status(status, body, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      ...headers
    })
  const scripted = (fault: Fault.Fault) => () =>
    rt.runPromise(Effect.zipRight(api.script(fault), Effect.either(tokens.retrieve(id))))
  const calls = Math.max(100, Math.round(n / 4))
  const resolved = Effect.promise(() => Promise.resolve(1))
  const timed = Effect.timeoutFail(resolved, { duration: "10 seconds", onTimeout: () => "timeout" as const })
  const spanned = Effect.withSpan(resolved, "bench.block", { captureStackTrace: false })
  // As the coalescer waits with a span, a deadline or a cache: one daemon fiber, observed from one Effect.async.
  const forkedObserved = Effect.flatMap(Effect.forkDaemon(resolved), (fiber) =>
    Effect.async<number>((resume) => {
      fiber.addObserver((exit) => resume(exit))
    }))
  const cases: Array<Case> = [
    {
      name: "runPromise(Effect.void): the floor of any Effect call",
      iterations: calls * 4,
      async: () => rt.runPromise(Effect.void)
    },
    // Building blocks of the retrieve pipeline, each around the same already-resolved promise.
    {
      name: "block: runPromise(Effect.promise(resolved))",
      iterations: calls * 4,
      async: () => rt.runPromise(resolved)
    },
    {
      name: "block: … + Effect.timeoutFail(10 s), as each attempt has on the generic path (and under a TestClock)",
      iterations: calls * 4,
      async: () => rt.runPromise(timed)
    },
    {
      name: "block: … inside Effect.withSpan, as retrieve runs when a tracer is installed",
      iterations: calls * 4,
      async: () => rt.runPromise(spanned)
    },
    {
      name:
        "block: … run in a forked daemon fiber observed from one Effect.async, as coalescing does with a span, a deadline or a cache",
      iterations: calls * 4,
      async: () => rt.runPromise(forkedObserved)
    },
    {
      name: "fake 200, Content-Length set (body read in one piece)",
      iterations: calls,
      async: scripted(answer(200, wireText))
    },
    {
      name: "fake 200 from the fake's model (no Content-Length: the streamed, counted read)",
      iterations: calls,
      async: () => rt.runPromise(tokens.retrieve(id))
    },
    {
      name: "fake 404 from the model (Content-Length set)",
      iterations: calls,
      async: () => rt.runPromise(Effect.either(tokens.retrieve("00000000-0000-4000-8000-000000000000")))
    },
    {
      name: "fake 429 with Retry-After (one attempt: retries off for this row)",
      iterations: calls,
      async: scripted(answer(429, "{\"detail\":\"slow down\"}", { "retry-after": "1" }))
    },
    {
      name: "fake malformed 200 (valid JSON, wrong shape)",
      iterations: calls,
      async: scripted(answer(200, "{\"name\":1}"))
    },
    {
      name: "fake 200 with a body that is not JSON",
      iterations: calls,
      async: scripted(answer(200, "{\"name\":"))
    },
    {
      name: "invalid id (rejected before any request)",
      iterations: calls * 4,
      async: () => rt.runPromise(Effect.either(tokens.retrieve("nope")))
    }
  ]

  // --- Cache (ApiTokens.layer): measured in the same rounds when it exists. ---
  let disposeCached = async () => {}
  // Cases whose one call runs several operations, and how many.
  const perCall = new Map<string, number>()
  if (typeof ApiTokens.layer !== "function") {
    rows.push({ name: "cache hit", text: "n/a (not yet implemented)" })
  } else {
    const cached = ManagedRuntime.make(
      ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, cache: { ttl: "1 hour", capacity: 1000 } }).pipe(
        Layer.provideMerge(FakeDeepsetApi.layer({ tokens: [token] }))
      )
    )
    const cachedTokens = await cached.runPromise(ApiTokens)
    await cached.runPromise(cachedTokens.retrieve(id))
    const hits = 1000
    const repeated = Effect.repeatN(cachedTokens.retrieve(id), hits - 1)
    cases.push({
      name: "cache hit, one runPromise per call (what a service pays per call)",
      iterations: calls * 4,
      async: () => cached.runPromise(cachedTokens.retrieve(id))
    }, {
      // One case call runs `hits` retrieves; the row is divided back below.
      name: "cache hit, inside one Effect",
      iterations: Math.max(10, Math.round(calls / 10)),
      async: () => cached.runPromise(repeated)
    })
    disposeCached = () => cached.dispose()
    perCall.set("cache hit, inside one Effect", hits)
  }
  // The fake logs every request it receives; cleared each round so the log does not grow the heap.
  for (const row of await measureAll(cases, () => rt.runPromise(api.clearRequests))) {
    rows.push({ ...row, micros: row.micros! / (perCall.get(row.name) ?? 1) })
  }
  await rt.dispose()
  await disposeCached()

  const coalescing = ManagedRuntime.make(
    ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(
      Layer.provideMerge(FakeDeepsetApi.layer({ tokens: [token], latency: "20 millis" }))
    )
  )
  const coTokens = await coalescing.runPromise(ApiTokens)
  const coApi = await coalescing.runPromise(FakeDeepsetApi.FakeDeepsetApi)
  await coalescing.runPromise(coTokens.retrieve(id))
  await coalescing.runPromise(coApi.clearRequests)
  const started = performance.now()
  const c0 = process.cpuUsage()
  await coalescing.runPromise(
    Effect.forEach(Array.from({ length: 10_000 }), () => coTokens.retrieve(id), { concurrency: "unbounded" })
  )
  const c = process.cpuUsage(c0)
  const wall = performance.now() - started
  const sent = (await coalescing.runPromise(coApi.requests)).length
  const b0 = process.cpuUsage()
  await coalescing.runPromise(
    Effect.forEach(Array.from({ length: 10_000 }), () => Effect.sleep("20 millis"), { concurrency: "unbounded" })
  )
  const b = process.cpuUsage(b0)
  rows.push({
    name: "for scale: 10,000 concurrent fibers that only sleep 20 ms (the same forEach)",
    text: `${((b.user + b.system) / 10_000).toFixed(2)} µs CPU per fiber`
  })
  rows.push({
    name: "10,000 concurrent same-id retrieves (coalescing on, 20 ms fake latency)",
    text: `${sent} request sent; ${wall.toFixed(0)} ms wall, ${
      ((c.user + c.system) / 10_000).toFixed(2)
    } µs CPU per call`
  })
  await coalescing.dispose()
  process.stdout.write(JSON.stringify(rows))
}

main().catch((e) => {
  process.stderr.write(String(e))
  process.exit(1)
})
