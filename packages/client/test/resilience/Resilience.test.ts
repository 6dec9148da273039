/**
 * The resilience suite: the same faults and the same assertions over fetch, undici (each as our transport, as
 * the platform's client and as our transport derived with `HttpClient.mapRequest`) and the in-memory fake.
 * Real sockets need real time, so limits here are ms-scale; the TestClock covers the rest (Retry.test.ts,
 * Tracing.test.ts). Each case checks the outcome, the number of requests, where the key went, that no
 * answer is left hanging on a socket, and that the key appears in no rendering, log line or span.
 */
import { ApiTokens, type ApiTokensError, FetchTransport, TokenMeta } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { Arbitraries, FakeDeepsetApi, FaultServer, SpanRecorder } from "@deepset-tokens/testing"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Undici from "@effect/platform-node/Undici"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Deferred,
  Duration,
  Effect,
  Exit,
  FastCheck as fc,
  Fiber,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schedule,
  Schema
} from "effect"
import { readFileSync } from "node:fs"
import { derive } from "../transports.js"
import { baseOptions, type Case, cases, type Context, type Expected, optionsFor, stage } from "./cases.js"
import { region, render } from "./matrix.js"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 99 })[0]!
const body = JSON.stringify(Schema.encodeSync(TokenMeta)(token))
const key = "api_resilience_key_5e3f"
const apiKey = Redacted.make(key)
const base = baseOptions(apiKey)

// Our transports (the lean path), the platform's clients as they come (the generic path), and our transports
// derived with HttpClient.mapRequest (the mapped request on the lean path).
type Transport = "fetch" | "undici" | "platform fetch" | "platform undici" | "derived fetch" | "derived undici"
const transports: ReadonlyArray<readonly [Transport, Layer.Layer<HttpClient.HttpClient>]> = [
  ["fetch", FetchTransport.layer],
  ["undici", UndiciTransport.layer],
  ["platform fetch", FetchHttpClient.layer],
  ["platform undici", NodeHttpClient.layerUndici],
  ["derived fetch", derive(FetchTransport.layer)],
  ["derived undici", derive(UndiciTransport.layer)]
]

const retrieve = Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id))

const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v))

interface Observed {
  readonly exit: Exit.Exit<TokenMeta, ApiTokensError>
  /** Requests the client sent, counted from its own debug lines: one, plus one per retry. */
  readonly attempts: number
  /** The wait before each retry, in ms, from the same lines. */
  readonly waits: ReadonlyArray<number>
  /** Every way the outcome can be shown: the exit, its cause, each log line, each span. */
  readonly renderings: ReadonlyArray<string>
}

// Our transports once more as a call runs on them with tracing off: as one step, not through the pipeline a
// span wraps. With coalescing off, that is `LeanAttempt.first`; with it on (the default), `firstShared`, whose
// request concurrent callers share and whose retries go on in a fiber. Each must behave alike.
type Way = Transport | "fetch, one step" | "undici, one step" | "fetch, shared step" | "undici, shared step"
const ways: ReadonlyArray<
  readonly [Way, Layer.Layer<HttpClient.HttpClient>, { readonly traced: boolean; readonly coalesce: boolean }]
> = [
  ...transports.map(([transport, http]) => [transport, http, { traced: true, coalesce: true }] as const),
  ["fetch, one step", FetchTransport.layer, { traced: false, coalesce: false }],
  ["undici, one step", UndiciTransport.layer, { traced: false, coalesce: false }],
  ["fetch, shared step", FetchTransport.layer, { traced: false, coalesce: true }],
  ["undici, shared step", UndiciTransport.layer, { traced: false, coalesce: true }]
]

/**
 * Runs `retrieve` with debug logging and a recording tracer, and keeps everything it rendered. Untraced, the
 * recorder is installed but tracing is off, so it records nothing and the call runs as an untraced one does.
 */
const observe = (traced: boolean) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const waits: Array<number> = []
    const logger = Logger.make((options) => {
      const line = Logger.logfmtLogger.log(options)
      if (line.includes("ApiTokens.retrieve: retrying")) {
        waits.push(Number(Option.getOrElse(HashMap.get(options.annotations, "waitMillis"), () => Number.NaN)))
      }
      lines.push(line, Logger.jsonLogger.log(options))
    })
    const exit = yield* retrieve.pipe(
      Effect.exit,
      Effect.withTracerEnabled(traced),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
    const spans = yield* (yield* SpanRecorder.SpanRecorder).spans
    const observed: Observed = {
      exit,
      attempts: 1 + waits.length,
      waits,
      renderings: [
        String(exit),
        json(exit),
        Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "",
        Exit.isFailure(exit) ? Cause.squash(exit.cause) instanceof Error ? String(Cause.squash(exit.cause)) : "" : "",
        ...lines,
        ...spans.map((s) => json([...s.attributes]) + json(s.events) + String(s.exit))
      ]
    }
    return observed
  })

const outcomeOf = (exit: Exit.Exit<TokenMeta, ApiTokensError>): string =>
  Exit.match(exit, {
    onSuccess: () => "Success",
    onFailure: (cause) => Option.match(Cause.failureOption(cause), { onNone: () => "Defect", onSome: (e) => e._tag })
  })

/** The checks every transport shares. */
const check = (expected: Expected, observed: Observed) => {
  const { exit } = observed
  expect(outcomeOf(exit)).toBe(expected.tag)
  if (Exit.isSuccess(exit)) expect(exit.value).toEqual(token)
  else {
    const error = Option.getOrThrow(Cause.failureOption(exit.cause))
    expect("status" in error ? error.status : undefined).toBe(expected.status)
    if (error._tag === "Timeout") expect(error.scope).toBe(expected.scope)
    if (error._tag === "MalformedResponse" && expected.issue !== undefined) {
      expect(error.issue).toContain(expected.issue)
    }
    if (error._tag === "RateLimited" || error._tag === "ServerError") {
      const carried = Option.map(error.retryAfter, Duration.toMillis)
      if (expected.retryAfter === undefined) expect(carried).toEqual(Option.none())
      else {
        const millis = Option.getOrThrow(carried)
        expect(Math.abs(millis - expected.retryAfter.millis)).toBeLessThanOrEqual(expected.retryAfter.within ?? 0)
      }
    }
  }
  expect(observed.attempts).toBe(expected.requests)
  if (expected.waits !== undefined) {
    expect(observed.waits.length).toBe(expected.waits.length)
    expected.waits.forEach((wait, retry) => {
      const got = observed.waits[retry]!
      if (wait !== "backoff") expect(got).toBe(wait)
      else {
        // min(base * 2^retry, cap), less up to 25 % jitter.
        const full = Math.min(5 * 2 ** retry, 20)
        expect(got).toBeGreaterThan(full * 0.75)
        expect(got).toBeLessThanOrEqual(full)
      }
    })
  }
  for (const text of observed.renderings) expect(text).not.toContain(key)
}

const eventually = <A>(self: Effect.Effect<A>, ok: (a: A) => boolean, limit: Duration.DurationInput = "2 seconds") =>
  self.pipe(Effect.filterOrFail(ok), Effect.retry(Schedule.spaced("5 millis")), Effect.timeout(limit))

/** What the matrix shows per fault and transport. */
const matrix = new Map<string, Map<string, string>>()
const record = (c: Case, transport: string, exit: Exit.Exit<TokenMeta, ApiTokensError>) => {
  const row = matrix.get(c.name) ?? new Map<string, string>()
  row.set(transport, outcomeOf(exit))
  matrix.set(c.name, row)
}

const onSockets = (
  transport: Way,
  http: Layer.Layer<HttpClient.HttpClient>,
  { coalesce, traced }: { readonly traced: boolean; readonly coalesce: boolean },
  c: Case
) =>
  it.scopedLive(`${transport} | ${c.group} | ${c.name} -> ${c.expect.tag}`, () =>
    Effect.gen(function*() {
      const { baseUrl, second, server } = yield* stage(c, { body, key })
      const observed = yield* Effect.gen(function*() {
        const observed = yield* observe(traced)
        if (!traced) expect(yield* (yield* SpanRecorder.SpanRecorder).spans).toEqual([])
        // While the client and its connection pool are still alive: every answer it started is over, so
        // no stalled or endless body was left hanging on an open socket.
        yield* eventually(server.inFlight, (n) => n === 0)
        return observed
      }).pipe(
        Effect.provide(Layer.mergeAll(
          ApiTokens.layer({ ...optionsFor(base.apiKey, c, baseUrl), coalesce }).pipe(Layer.provide(http)),
          SpanRecorder.layer
        ))
      )
      record(c, transport, observed.exit)
      check(c.expect, observed)
      // The key reached the configured origin only, once per request the client counted.
      const seen = yield* server.requests
      expect(seen.length).toBe(c.refused === true ? 0 : c.expect.requests)
      for (const request of seen) {
        expect(request).toMatchObject({ host: `127.0.0.1:${server.port}`, authorization: `Bearer ${key}` })
      }
      expect(yield* second.requests).toEqual([])
    }), 30_000)

const onFake = (c: Case, faults: NonNullable<Case["fake"]>) =>
  it.live(`fake | ${c.group} | ${c.name} -> ${c.expect.tag}`, () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const ctx: Context = {
        body,
        secondOrigin: "http://127.0.0.2:1",
        otherName: "http://localhost:1",
        now: Date.now(),
        key
      }
      yield* api.script(...faults(ctx))
      const observed = yield* observe(true)
      record(c, "fake", observed.exit)
      check(c.expect, observed)
      expect((yield* api.requests).length).toBe(c.expect.requests)
      expect(yield* api.pendingFaults).toBe(0)
    }).pipe(
      Effect.provide(Layer.mergeAll(
        ApiTokens.layer(optionsFor(base.apiKey, c, "https://api.cloud.deepset.ai")).pipe(
          Layer.provideMerge(FakeDeepsetApi.layer({ apiKey }))
        ),
        SpanRecorder.layer
      ))
    ))

const everywhere = (selected: ReadonlyArray<Case>) => {
  for (const [way, http, how] of ways) {
    for (const c of selected) onSockets(way, http, how, c)
  }
  for (const c of selected) if (c.fake !== undefined) onFake(c, c.fake)
}

// The first request on each transport loads its code, synchronously: done here, it cannot hold up a
// timing case's server while that case's timeout runs.
beforeAll(() =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const server = yield* FaultServer.make
    for (const [, http] of transports) {
      yield* server.script(FaultServer.Behavior.Respond({ status: 200, headers: {}, body }))
      yield* retrieve.pipe(Effect.provide(ApiTokens.layer({ ...base, baseUrl: server.url }).pipe(Layer.provide(http))))
    }
  })))
)

describe.concurrent("the fault matrix over real sockets and on the fake", () => {
  everywhere(cases.filter((c) => c.group !== "time"))
})

// Apart, so no other case's work (a 16 MB gzip, a 200 kB body) holds the event loop while their short
// timeouts run: a timer due during a stall fires before the server accepts the connection it delayed.
describe.concurrent("the time limits over real sockets and on the fake", () => {
  everywhere(cases.filter((c) => c.group === "time"))
})

describe.concurrent("interruption over real sockets", () => {
  const forkRetrieve = (http: Layer.Layer<HttpClient.HttpClient>, options: ApiTokens.Options) =>
    Effect.fork(retrieve.pipe(Effect.provide(ApiTokens.layer(options).pipe(Layer.provide(http)))))

  it.scopedLive.each(ways)(
    "%s: interrupting retrieve aborts the request and closes its socket, while waiting for headers or body",
    ([, http, { coalesce }]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.StallBody({ status: 200, prefix: "{" }),
          FaultServer.Behavior.SlowHeaders({ ms: 60_000, then: FaultServer.Behavior.Reset() })
        )
        for (let i = 0; i < 2; i++) {
          const closedBefore = yield* server.closedSockets
          const fiber = yield* forkRetrieve(http, { ...base, timeout: "1 minute", baseUrl: server.url, coalesce })
          // Wait until the server holds the request, then interrupt the caller.
          yield* eventually(server.requests, (seen) => seen.length > i)
          yield* Fiber.interrupt(fiber)
          // Nothing else would close it: the server never gives up and the client's timeout is a minute.
          yield* eventually(server.closedSockets, (closed) => closed > closedBefore, "1 second")
          yield* eventually(server.inFlight, (n) => n === 0, "1 second")
        }
        expect(yield* eventually(server.openSockets, (open) => open === 0)).toBe(0)
        expect((yield* server.requests).length).toBe(2)
      })
  )

  it.scopedLive.each(transports)(
    "%s: with two callers sharing one request, it is aborted only when the last one leaves",
    ([, http]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(FaultServer.Behavior.StallBody({ status: 200, prefix: "{" }))
        yield* Effect.gen(function*() {
          const first = yield* Effect.fork(retrieve)
          const second = yield* Effect.fork(retrieve)
          yield* eventually(server.inFlight, (n) => n === 1)
          yield* Fiber.interrupt(first)
          // The second caller still waits on the same request and its socket.
          yield* Effect.sleep("100 millis")
          expect(yield* server.inFlight).toBe(1)
          yield* Fiber.interrupt(second)
          expect(yield* eventually(server.inFlight, (n) => n === 0, "1 second")).toBe(0)
          expect((yield* server.requests).length).toBe(1)
        }).pipe(
          Effect.provide(
            ApiTokens.layer({ ...base, timeout: "1 minute", baseUrl: server.url }).pipe(Layer.provide(http))
          )
        )
      })
  )

  it.scopedLive.each(ways)(
    "%s: interrupting retrieve during a retry wait sends nothing more",
    ([, http, { coalesce }]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(FaultServer.Behavior.Respond({ status: 503, headers: { "retry-after-ms": "500" } }))
        // The client's own debug line says it is about to wait: interrupt it right there.
        const waiting = yield* Deferred.make<void>()
        const logger = Logger.make(({ message }) => {
          if (String(message).includes("retrying")) Deferred.unsafeDone(waiting, Exit.void)
        })
        const fiber = yield* forkRetrieve(http, { ...base, baseUrl: server.url, coalesce }).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
        yield* Deferred.await(waiting)
        yield* Fiber.interrupt(fiber)
        // Past the moment the retry was due.
        yield* Effect.sleep("700 millis")
        expect((yield* server.requests).length).toBe(1)
      })
  )
})

describe("the key never reaches a second origin, even on a transport told to follow redirects", () => {
  it.scopedLive.each([["FetchTransport", FetchTransport.layer], ["FetchHttpClient", FetchHttpClient.layer]] as const)(
    "%s given RequestInit { redirect: \"follow\" } still refuses to follow",
    ([, http]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        const second = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.Respond({ status: 302, headers: { location: `${second.url}/steal` } })
        )
        const error = yield* Effect.flip(retrieve).pipe(
          Effect.provide(
            ApiTokens.layer({ ...base, baseUrl: server.url }).pipe(
              Layer.provide(http),
              Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "follow" }))
            )
          )
        )
        expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 302 })
        expect(yield* second.requests).toEqual([])
      })
  )

  const redirectingDispatcher = Layer.scoped(
    NodeHttpClient.Dispatcher,
    Effect.acquireRelease(
      Effect.sync(() => new Undici.Agent().compose(Undici.interceptors.redirect({ maxRedirections: 2 }))),
      (agent) => Effect.promise(() => agent.destroy())
    )
  )

  it.scopedLive("UndiciTransport on a redirect-following dispatcher still refuses to follow", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      const second = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Respond({ status: 302, headers: { location: `${second.url}/steal` } }))
      const error = yield* Effect.flip(retrieve).pipe(
        Effect.provide(
          ApiTokens.layer({ ...base, baseUrl: server.url }).pipe(
            Layer.provide(UndiciTransport.layerWithoutDispatcher),
            Layer.provide(redirectingDispatcher)
          )
        )
      )
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 302 })
      expect(yield* second.requests).toEqual([])
    }))

  it.scopedLive("the platform's undici client on that dispatcher follows, but without the Authorization header", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      const second = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Respond({ status: 302, headers: { location: `${second.url}/steal` } }))
      yield* Effect.exit(retrieve).pipe(
        Effect.provide(
          ApiTokens.layer({ ...base, baseUrl: server.url }).pipe(
            Layer.provide(NodeHttpClient.layerUndiciWithoutDispatcher),
            Layer.provide(redirectingDispatcher)
          )
        )
      )
      // A dispatcher the caller composed can follow; undici then drops the key at the origin boundary.
      const seen = yield* second.requests
      expect(seen.length).toBe(1)
      expect(seen[0]!.authorization).toBeUndefined()
    }))
})

describe("retries over real sockets (property)", () => {
  const transient = fc.constantFrom<ReadonlyArray<FaultServer.Behavior>>(
    [FaultServer.Behavior.Respond({ status: 503, headers: { "retry-after-ms": "0" } })],
    [FaultServer.Behavior.Respond({ status: 429, headers: { "retry-after": "0" } })],
    [FaultServer.Behavior.Respond({ status: 502 })],
    [FaultServer.Behavior.Reset()],
    [FaultServer.Behavior.Truncate({ status: 200, prefix: "{" })]
  )

  for (const [transport, http, { coalesce }] of ways) {
    it.live.prop(
      `${transport}: succeeds exactly when faults <= retries, after min(faults + 1, retries + 1) requests`,
      [fc.array(transient, { maxLength: 4 }), fc.integer({ min: 0, max: 3 })],
      ([faults, times]) =>
        Effect.scoped(Effect.gen(function*() {
          const server = yield* FaultServer.make
          yield* server.script(...faults.flat(), FaultServer.Behavior.Respond({ status: 200, headers: {}, body }))
          const exit = yield* Effect.exit(retrieve).pipe(
            Effect.provide(
              ApiTokens.layer({ ...base, baseUrl: server.url, retry: { ...base.retry, times }, coalesce }).pipe(
                Layer.provide(http)
              )
            )
          )
          expect(Exit.isSuccess(exit)).toBe(faults.length <= times)
          expect((yield* server.requests).length).toBe(Math.min(faults.length + 1, times + 1))
        })),
      { fastCheck: { numRuns: 25 } }
    )
  }
})

describe("the fault matrix", () => {
  it("every case ran on every transport it applies to, and RELIABILITY.md shows what the suite saw", () => {
    for (const c of cases) {
      const row = matrix.get(c.name)
      expect([...(row?.keys() ?? [])].sort()).toEqual(
        c.fake === undefined ? [...ways.map(([t]) => t)].sort() : ["fake", ...ways.map(([t]) => t)].sort()
      )
      for (const got of row?.values() ?? []) expect(got).toBe(c.expect.tag)
    }
    // The run writes no documentation: `pnpm docs:generate` generates the table from the case list.
    const doc = readFileSync(new URL("../../RELIABILITY.md", import.meta.url), "utf8")
    expect(
      region(doc),
      "packages/client/RELIABILITY.md's fault matrix is stale: run `npx -y pnpm@10.34.9 docs:generate`"
    )
      .toBe(render(cases, matrix))
  })
})
