/**
 * The fault matrix through a real forward proxy: every socket-level case of the resilience suite
 * (resilience/cases.ts), on both transports given the proxy by ProxyTransport, must give the same outcome
 * and the same number of requests as without one, the key reaching only the configured origin. Then the
 * proxy's own faults. The table lands in PROXY.md between its `proxy-matrix` markers.
 */
import { ApiTokens, type ApiTokensConfigError, type ApiTokensError, TokenMeta } from "@deepset-tokens/client"
import * as ProxyTransport from "@deepset-tokens/client/ProxyTransport"
import { Arbitraries, FaultServer } from "@deepset-tokens/testing"
import * as ForwardProxy from "@deepset-tokens/testing/ForwardProxy"
import type { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Effect,
  Exit,
  FastCheck as fc,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schedule,
  Schema
} from "effect"
import { readFileSync } from "node:fs"
import { baseOptions, type Case, cases, optionsFor, refusedOrigin, stage } from "./resilience/cases.js"
import { region } from "./resilience/matrix.js"
import {
  expectedProxyResults,
  type ProxyFault,
  proxyFaults,
  proxyMarkers,
  renderProxyMatrix
} from "./resilience/proxyMatrix.js"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 99 })[0]!
const body = JSON.stringify(Schema.encodeSync(TokenMeta)(token))
const key = "api_proxy_matrix_key_7c1d"
const user = "matrix-user"
const password = "matrix-pass-4f2a"
const base = baseOptions(Redacted.make(key))

type Transport = "fetch" | "undici"
const transports: ReadonlyArray<
  readonly [Transport, (options: ProxyTransport.Options) => Layer.Layer<HttpClient.HttpClient, ApiTokensConfigError>]
> = [["fetch", ProxyTransport.layerFetch], ["undici", ProxyTransport.layerUndici]]

const outcomeOf = (exit: Exit.Exit<TokenMeta, ApiTokensError | ApiTokensConfigError>): string =>
  Exit.match(exit, {
    onSuccess: () => "Success",
    onFailure: (cause) => Option.match(Cause.failureOption(cause), { onNone: () => "Defect", onSome: (e) => e._tag })
  })

/** Runs one retrieve with debug logs; counts the requests from the retry lines; keeps every rendering. */
const observe = (http: Layer.Layer<HttpClient.HttpClient, ApiTokensConfigError>, options: ApiTokens.Options) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make((entry) => {
      lines.push(Logger.logfmtLogger.log(entry))
    })
    const exit = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id)).pipe(
      Effect.provide(ApiTokens.layer(options).pipe(Layer.provide(http))),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.exit
    )
    const failed = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
    return {
      exit,
      attempts: 1 + lines.filter((l) => l.includes("ApiTokens.retrieve: retrying")).length,
      error: Option.getOrUndefined(failed),
      renderings: [String(exit), JSON.stringify(exit), ...lines].join("\n")
    }
  })

const eventually = <A>(self: Effect.Effect<A>, ok: (a: A) => boolean) =>
  self.pipe(Effect.filterOrFail(ok), Effect.retry(Schedule.spaced("5 millis")), Effect.timeout("2 seconds"))

const matrix = new Map<string, Map<string, string>>()
const record = (row: string, transport: string, outcome: string) => {
  const cells = matrix.get(row) ?? new Map<string, string>()
  cells.set(transport, outcome)
  matrix.set(row, cells)
}

const throughProxy = (transport: Transport, make: (typeof transports)[number][1], c: Case) =>
  it.scopedLive(
    `${transport} through a proxy | ${c.group} | ${c.name} -> ${c.expect.tag}`,
    () =>
      Effect.gen(function*() {
        const { baseUrl, second, server } = yield* stage(c, { body, key })
        const proxy = yield* ForwardProxy.make({ credentials: { user, password } })
        const observed = yield* observe(make({ url: proxy.urlWithCredentials }), optionsFor(base.apiKey, c, baseUrl))
        record(c.name, transport, outcomeOf(observed.exit))
        expect(outcomeOf(observed.exit)).toBe(c.expect.tag)
        const error = observed.error
        expect(error !== undefined && "status" in error ? error.status : undefined).toBe(c.expect.status)
        if (error?._tag === "Timeout") expect(error.scope).toBe(c.expect.scope)
        expect(observed.attempts).toBe(c.expect.requests)
        // The client closed every connection it opened, whatever the answer did (stalled, endless, trickling).
        yield* eventually(proxy.openConnections, (n) => n === 0)
        yield* eventually(server.inFlight, (n) => n === 0)
        const seen = yield* server.requests
        expect(seen.length).toBe(c.refused === true ? 0 : c.expect.requests)
        for (const request of seen) expect(request.authorization).toBe(`Bearer ${key}`)
        expect(yield* second.requests).toEqual([])
        // Tunnels go to the configured origin only. Their number is the pool's business: after an attempt
        // aborted by its timeout, undici may open one more than the attempts it sent.
        const tunnels = yield* proxy.requests
        expect(tunnels.length).toBeGreaterThanOrEqual(Math.min(1, c.expect.requests))
        for (const tunnel of tunnels) expect(tunnel.target).toBe(new URL(baseUrl).host)
        for (const secret of [key, password, user]) expect(observed.renderings).not.toContain(secret)
      }),
    30_000
  )

describe.concurrent("the fault matrix through a real proxy", () => {
  for (const [transport, make] of transports) {
    for (const c of cases.filter((c) => c.group !== "time")) throughProxy(transport, make, c)
  }
})

// Apart, as in the resilience suite: no heavy case may hold the event loop while short timeouts run.
describe.concurrent("the time limits through a real proxy", () => {
  for (const [transport, make] of transports) {
    for (const c of cases.filter((c) => c.group === "time")) throughProxy(transport, make, c)
  }
})

/** A proxy URL, with credentials, that fails as `fault` says. */
const faultyProxy = (fault: ProxyFault) =>
  Effect.gen(function*() {
    if (fault === "refused") return `http://${user}:${password}@${new URL(yield* refusedOrigin).host}`
    const proxy = yield* ForwardProxy.make({
      mode: fault === "407" ? "forward" : fault,
      credentials: { user, password }
    })
    return fault === "407" ? proxy.urlWithCredentials.replace(password, "wrong") : proxy.urlWithCredentials
  })

describe.concurrent("the proxy's own faults", () => {
  for (const [transport, make] of transports) {
    for (const [name, fault, tag, requests] of proxyFaults) {
      it.scopedLive(`${transport} | ${name} -> ${tag}`, () =>
        Effect.gen(function*() {
          const server = yield* FaultServer.make
          const proxyUrl = yield* faultyProxy(fault)
          const started = Date.now()
          // A short attempt timeout only where the case is about time: under a loaded CI machine a reset could
          // otherwise come after it.
          const timeout = fault === "stall" ? 300 : base.timeout
          const observed = yield* observe(make({ url: proxyUrl }), { ...base, baseUrl: server.url, timeout })
          record(name, transport, outcomeOf(observed.exit))
          expect(outcomeOf(observed.exit)).toBe(tag)
          expect(observed.attempts).toBe(requests)
          // Three attempts of at most 300 ms each (or failing at once), and the backoff between them.
          expect(Date.now() - started).toBeLessThan(5_000)
          expect(yield* server.requests).toEqual([])
          for (const secret of [key, password, user]) expect(observed.renderings).not.toContain(secret)
        }), 30_000)
    }
  }
})

describe("the proxy matrix", () => {
  it("every row ran on both transports, and PROXY.md shows what the suite saw", () => {
    const expected = expectedProxyResults(cases)
    for (const [name, row] of expected) {
      expect([...(matrix.get(name)?.keys() ?? [])].sort(), name).toEqual([...row.keys()].sort())
    }
    // The run writes no documentation: `pnpm docs:generate` generates the table from the case list.
    const doc = readFileSync(new URL("../PROXY.md", import.meta.url), "utf8")
    expect(
      region(doc, proxyMarkers),
      "packages/client/PROXY.md's matrix is stale: run `npx -y pnpm@10.34.9 docs:generate`"
    )
      .toBe(renderProxyMatrix(cases, matrix))
  })
})
