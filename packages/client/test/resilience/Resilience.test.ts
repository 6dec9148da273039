/**
 * The resilience suite: the same faults and the same assertions over fetch, undici and the in-memory fake.
 * Real sockets need real time, so limits here are ms-scale; the TestClock covers the rest (Retry.test.ts).
 */
import { ApiTokens, TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, FaultServer } from "@deepset-tokens/testing"
import { FetchHttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, FastCheck as fc, Fiber, Layer, Redacted, Schedule, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { type Case, cases } from "./cases.js"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 99 })[0]!
const body = JSON.stringify(Schema.encodeSync(TokenMeta)(token))
const apiKey = Redacted.make("api_resilience_key_5e3f")
const options = {
  apiKey,
  timeout: Duration.millis(250),
  retry: { times: 2, base: Duration.millis(5), cap: Duration.millis(20) },
  maxBodyBytes: 64 * 1024
}

const transports = [
  ["fetch", FetchHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici]
] as const

const outcomeOf = (result: Either.Either<TokenMeta, { _tag: string; status?: number }>) =>
  Either.match(result, {
    onLeft: (error) => ({ tag: error._tag, status: "status" in error ? error.status : undefined }),
    onRight: () => ({ tag: "Success", status: undefined })
  })

const matrix = new Map<string, Map<string, string>>()
const record = (fault: string, transport: string, outcome: string) => {
  const row = matrix.get(fault) ?? new Map<string, string>()
  row.set(transport, outcome)
  matrix.set(fault, row)
}

const expected = (c: Case) => ({ tag: c.expect, status: c.status })

/** A single fault answers every attempt (first try and both retries), so the outcome is the last attempt's. */
const everyAttempt = <A>(script: ReadonlyArray<A>): ReadonlyArray<A> =>
  script.length === 1 ? [script[0]!, script[0]!, script[0]!] : script

describe("resilience over real sockets", () => {
  for (const [transport, http] of transports) {
    for (const c of cases) {
      it.scopedLive(`${transport}: ${c.name} -> ${c.expect}`, () =>
        Effect.gen(function*() {
          const server = yield* FaultServer.make
          const second = yield* FaultServer.make
          yield* server.script(
            ...everyAttempt(c.server(body)).map((b) =>
              b._tag === "respond" && b.headers?.location?.startsWith("SECOND_ORIGIN")
                ? { ...b, headers: { location: b.headers.location.replace("SECOND_ORIGIN", second.url) } }
                : b
            )
          )
          const result = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id)).pipe(
            Effect.either,
            Effect.provide(ApiTokens.layer({ ...options, baseUrl: server.url }).pipe(Layer.provide(http)))
          )
          const outcome = outcomeOf(result)
          record(c.name, transport, outcome.tag)
          expect(outcome).toEqual(expected(c))
          // The key reached the configured origin only.
          expect(yield* second.requests).toEqual([])
          for (const seen of yield* server.requests) expect(seen.authorization).toBe(`Bearer ${Redacted.value(apiKey)}`)
        }), 10_000)
    }
  }

  it.scopedLive.each(transports)(
    "%s: interrupting retrieve aborts the request and closes the socket",
    ([, http]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          { _tag: "stallBody", status: 200, prefix: "{" },
          { _tag: "slowHeaders", ms: 60_000, then: { _tag: "reset" } }
        )
        for (let i = 0; i < 2; i++) {
          const closedBefore = yield* server.closedSockets
          const fiber = yield* Effect.fork(
            Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id)).pipe(
              Effect.provide(
                ApiTokens.layer({ ...options, timeout: "1 minute", baseUrl: server.url }).pipe(Layer.provide(http))
              )
            )
          )
          // Wait until the server holds the request, then interrupt the caller.
          yield* server.requests.pipe(
            Effect.filterOrFail((seen) => seen.length > i),
            Effect.retry(Schedule.spaced("5 millis")),
            Effect.timeout("5 seconds")
          )
          yield* Fiber.interrupt(fiber)
          yield* server.closedSockets.pipe(
            Effect.filterOrFail((closed) => closed > closedBefore),
            Effect.retry(Schedule.spaced("5 millis")),
            Effect.timeout("5 seconds")
          )
        }
        // Nothing keeps running: every socket the client opened is gone.
        yield* server.openSockets.pipe(
          Effect.filterOrFail((open) => open === 0),
          Effect.retry(Schedule.spaced("10 millis")),
          Effect.timeout("5 seconds")
        )
        expect(yield* server.openSockets).toBe(0)
      }),
    20_000
  )
})

describe("the same faults on the in-memory fake", () => {
  for (const c of cases) {
    if (c.fake === undefined) continue
    const faults = c.fake
    it.live(`fake: ${c.name} -> ${c.expect}`, () =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(...everyAttempt(faults(body)))
        const result = yield* Effect.either(Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id)))
        const outcome = outcomeOf(result)
        record(c.name, "fake", outcome.tag)
        expect(outcome).toEqual(expected(c))
      }).pipe(
        Effect.provide(
          ApiTokens.layer({ ...options, apiKey: FakeDeepsetApi.defaultApiKey }).pipe(
            Layer.provideMerge(FakeDeepsetApi.layer())
          )
        )
      ))
  }
})

describe("fault matrix", () => {
  it("is written for the README", () => {
    const columns = ["fetch", "undici", "fake"]
    const lines = [
      `| fault | expected | ${columns.join(" | ")} |`,
      `| --- | --- | ${columns.map(() => "---").join(" | ")} |`,
      ...cases.map((c) => {
        const row = matrix.get(c.name)
        const cell = (t: string) => {
          const got = row?.get(t)
          return got === undefined ? "n/a" : got === c.expect ? "✓" : `✗ ${got}`
        }
        return `| ${c.name} | \`${c.expect}\`${c.status === undefined ? "" : ` (${c.status})`} | ${
          columns.map(cell).join(" | ")
        } |`
      })
    ]
    writeFileSync(new URL("./fault-matrix.md", import.meta.url), `${lines.join("\n")}\n`)
    expect(matrix.size).toBe(cases.length)
  })
})
