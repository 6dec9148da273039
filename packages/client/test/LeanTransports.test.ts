/**
 * What is particular to the lean path of our transports (the fault matrix in resilience/ covers the rest):
 * time under the TestClock, the longest timeout setTimeout holds, spans, derived clients and a dead dispatcher.
 * Each runs on the transports' own clients and on a client derived from each with `HttpClient.mapRequest`,
 * which keeps the lean path (DerivedClients.test.ts has the rest of what derived clients do).
 */
import { ApiTokens, TokenMeta } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { Arbitraries, FaultServer, SpanRecorder } from "@deepset-tokens/testing"
import { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Agent } from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import type { Duration } from "effect"
import { Effect, Exit, FastCheck as fc, Fiber, Layer, Redacted, Schema, TestClock } from "effect"
import { leanTransports } from "./transports.js"

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 31 })[0]!
const body = JSON.stringify(Schema.encodeSync(TokenMeta)(token))
const apiKey = Redacted.make("api_lean_key_7c1d")
const retrieve = Effect.flatMap(ApiTokens, (t) => t.retrieve(token.api_token_id))

/** Polls `read` until `done` holds: in real time, since the server's sockets are real. */
const until = <A>(read: Effect.Effect<A>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    while (!done(yield* read)) yield* Effect.sleep("5 millis")
  })

/** Whether every answer `server` started is over within `limit`. */
const closedWithin = (server: FaultServer.Service, limit: Duration.DurationInput) =>
  until(server.inFlight, (n) => n === 0).pipe(Effect.timeout(limit), Effect.exit, Effect.map(Exit.isSuccess))

describe.each(leanTransports)("%s", (_, transport) => {
  it.scoped("under the TestClock, the attempt timeout is decided by the TestClock", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.SlowHeaders({ ms: 60_000, then: FaultServer.Behavior.Reset() }))
      const fiber = yield* Effect.fork(retrieve.pipe(
        Effect.provide(
          // An hour: a real timer would not fire during the test, so only the TestClock can decide it.
          ApiTokens.layer({ apiKey, baseUrl: server.url, timeout: "1 hour", retry: false }).pipe(
            Layer.provide(transport)
          )
        )
      ))
      // The request travels in real time (the TestClock cannot move a socket): wait until the server holds it.
      while ((yield* server.requests).length === 0) {
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      }
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 hour")
      const exit = yield* Fiber.await(fiber)
      expect(exit).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "attempt" }))
    }))

  it.scopedLive("the longest timeout setTimeout holds (2^31 - 1 ms, 24.8 days) waits for the answer", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.SlowHeaders({
          ms: 50,
          then: FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
        })
      )
      const meta = yield* retrieve.pipe(
        Effect.provide(
          ApiTokens.layer({ apiKey, baseUrl: server.url, timeout: ApiTokens.limits.duration.maxMillis }).pipe(
            Layer.provide(transport)
          )
        )
      )
      expect(meta).toEqual(token)
      // One millisecond more would never fire (Effect's clock treats it as infinite): it is refused.
      const longer = yield* Effect.flip(
        Layer.build(
          ApiTokens.layer({ apiKey, baseUrl: server.url, timeout: ApiTokens.limits.duration.maxMillis + 1 }).pipe(
            Layer.provide(transport)
          )
        )
      )
      expect(longer).toMatchObject({ _tag: "ApiTokensConfigError", field: "timeout" })
    }))

  it.scopedLive("keeps a gateway's path prefix, with or without a trailing /api/v1", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.Respond({ status: 200, headers: {}, body }),
        FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
      )
      for (const baseUrl of [`${server.url}/gw/deepset`, `${server.url}/gw/deepset/api/v1/`]) {
        yield* retrieve.pipe(
          Effect.provide(ApiTokens.layer({ apiKey, baseUrl }).pipe(Layer.provide(transport)))
        )
      }
      expect((yield* server.requests).map((r) => r.url)).toEqual([
        `/gw/deepset/api/v1/token/${token.api_token_id}`,
        `/gw/deepset/api/v1/token/${token.api_token_id}`
      ])
    }))

  it.scopedLive("records the ApiTokens.retrieve span, with the status, when a tracer is installed", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Respond({ status: 200, headers: {}, body }))
      yield* retrieve.pipe(
        Effect.provide(ApiTokens.layer({ apiKey, baseUrl: server.url }).pipe(Layer.provide(transport)))
      )
      const spans = yield* (yield* SpanRecorder.SpanRecorder).spans
      expect(spans.map((s) => s.name)).toEqual(["ApiTokens.retrieve"])
      expect(Object.fromEntries(spans[0]!.attributes)).toMatchObject({
        "deepset.api_token_id": token.api_token_id,
        "url.full": `${server.url}/api/v1/token/${token.api_token_id}`,
        "http.response.status_code": 200
      })
    }).pipe(Effect.provide(SpanRecorder.layer)))

  it.scopedLive("a client derived from it with tapRequest sees the request it sends", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Respond({ status: 200, headers: {}, body }))
      const seen: Array<string> = []
      const derived = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(
          HttpClient.HttpClient,
          HttpClient.tapRequest((request) => Effect.sync(() => seen.push(request.url)))
        )
      ).pipe(Layer.provide(transport))
      const meta = yield* retrieve.pipe(
        Effect.provide(ApiTokens.layer({ apiKey, baseUrl: server.url }).pipe(Layer.provide(derived)))
      )
      expect(meta).toEqual(token)
      expect(seen).toEqual([`${server.url}/api/v1/token/${token.api_token_id}`])
    }))

  // With tracing and coalescing off, a call is one step (`LeanAttempt.first`): its request is aborted when the
  // calling fiber ends, not by an interruption handler.
  describe("a call in one step (tracing and coalescing off)", () => {
    const oneStep = (baseUrl: string, timeout: Duration.DurationInput) =>
      ApiTokens.layer({ apiKey, baseUrl, timeout, coalesce: false }).pipe(Layer.provide(transport))

    it.scopedLive("a fiber that makes many calls keeps going, each call answered", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        const calls = 20
        for (let i = 0; i < calls; i++) {
          yield* server.script(FaultServer.Behavior.Respond({ status: 200, headers: {}, body }))
        }
        const got = yield* Effect.forEach(Array.from({ length: calls }), () => retrieve).pipe(
          Effect.withTracerEnabled(false),
          Effect.provide(oneStep(server.url, "10 seconds"))
        )
        expect(got).toEqual(Array.from({ length: calls }, () => token))
        expect((yield* server.requests).length).toBe(calls)
      }))

    it.scopedLive("a caller that survives the interruption (it masks and recovers) has its request aborted no later than the attempt timeout", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(FaultServer.Behavior.StallBody({ status: 200, prefix: "{" }))
        const recovered = yield* Effect.fork(
          Effect.uninterruptibleMask((restore) =>
            Effect.zipLeft(Effect.exit(restore(retrieve)), Effect.sleep("1500 millis"))
          ).pipe(Effect.withTracerEnabled(false), Effect.provide(oneStep(server.url, "300 millis")))
        )
        yield* until(server.inFlight, (n) => n > 0)
        yield* Fiber.interrupt(recovered).pipe(Effect.fork)
        // The fiber lives on (it sleeps uninterruptibly), so only the attempt's own timer can end the request.
        expect(yield* closedWithin(server, "1 second")).toBe(true)
        expect(recovered.unsafePoll()).toBeNull()
      }))
  })

  // With coalescing on (the default) and tracing off, a call is one step too (`LeanAttempt.firstShared`): the
  // request it sends is the id's run, which concurrent callers join, and a retried failure goes on in a fiber
  // that they wait on, and callers arriving later join.
  describe("a coalesced call in one step (tracing off, coalescing on)", () => {
    const shared = (baseUrl: string, options: Partial<ApiTokens.Options> = {}) =>
      ApiTokens.layer({ apiKey, baseUrl, timeout: "10 seconds", ...options }).pipe(Layer.provide(transport))
    const untraced = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.withTracerEnabled(effect, false)
    const forkCall = untraced(Effect.fork(retrieve))

    it.live.prop(
      "concurrent callers share one request and its answer; a caller after it sends its own",
      [fc.integer({ min: 1, max: 24 })],
      ([callers]) =>
        Effect.scoped(Effect.gen(function*() {
          const server = yield* FaultServer.make
          const ok = FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
          yield* server.script(FaultServer.Behavior.SlowHeaders({ ms: 30, then: ok }), ok)
          yield* Effect.gen(function*() {
            const got = yield* Effect.forEach(Array.from({ length: callers }), () => untraced(retrieve), {
              concurrency: "unbounded"
            })
            expect(got).toEqual(Array.from({ length: callers }, () => token))
            expect((yield* server.requests).length).toBe(1)
            expect(yield* untraced(retrieve)).toEqual(token)
            expect((yield* server.requests).length).toBe(2)
          }).pipe(Effect.provide(shared(server.url)))
        })),
      { fastCheck: { numRuns: 8 } }
    )

    it.live.prop(
      "a failure that is not retried reaches every caller, from one request",
      [fc.integer({ min: 1, max: 24 }), fc.constantFrom(401, 403, 404, 422)],
      ([callers, status]) =>
        Effect.scoped(Effect.gen(function*() {
          const server = yield* FaultServer.make
          yield* server.script(
            FaultServer.Behavior.SlowHeaders({ ms: 30, then: FaultServer.Behavior.Respond({ status, headers: {} }) })
          )
          const exits = yield* Effect.forEach(Array.from({ length: callers }), () => Effect.exit(untraced(retrieve)), {
            concurrency: "unbounded"
          }).pipe(Effect.provide(shared(server.url)))
          for (const exit of exits) expect(exit).toMatchObject(Exit.fail({ status }))
          expect(new Set(exits.map((exit) => JSON.stringify(exit))).size).toBe(1)
          expect((yield* server.requests).length).toBe(1)
        })),
      { fastCheck: { numRuns: 8 } }
    )

    it.scopedLive("a retried failure is retried once for every caller, and a caller arriving during the wait joins it", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.Respond({ status: 503, headers: { "retry-after-ms": "300" } }),
          FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
        )
        yield* Effect.gen(function*() {
          const early = yield* Effect.all([forkCall, forkCall, forkCall])
          yield* until(server.requests, (seen) => seen.length > 0)
          yield* Effect.sleep("100 millis")
          // The first answer was a 503 and the retry is 200 ms away: this caller waits for it.
          const late = yield* forkCall
          for (const fiber of [...early, late]) expect(yield* Fiber.join(fiber)).toEqual(token)
          expect((yield* server.requests).length).toBe(2)
        }).pipe(Effect.provide(shared(server.url)))
      }))

    it.scopedLive("the caller that sent the request can leave: the others still get the answer, retries included", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.Respond({ status: 503, headers: { "retry-after-ms": "300" } }),
          FaultServer.Behavior.SlowHeaders({
            ms: 100,
            then: FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
          })
        )
        yield* Effect.gen(function*() {
          const sender = yield* forkCall
          yield* until(server.requests, (seen) => seen.length > 0)
          const other = yield* forkCall
          // During the retry wait: the retry is not the sender's to stop.
          yield* Effect.sleep("50 millis")
          yield* Fiber.interrupt(sender)
          expect(yield* Fiber.join(other)).toEqual(token)
          expect((yield* server.requests).length).toBe(2)
        }).pipe(Effect.provide(shared(server.url)))
      }))

    it.scopedLive("when the last caller leaves, the request is aborted and forgotten: the next caller sends afresh", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.StallBody({ status: 200, prefix: "{" }),
          FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
        )
        yield* Effect.gen(function*() {
          const sender = yield* forkCall
          yield* until(server.inFlight, (n) => n > 0)
          const joined = yield* forkCall
          yield* Fiber.interrupt(sender)
          yield* Effect.sleep("100 millis")
          // The joined caller still waits on the same request and its socket.
          expect(yield* server.inFlight).toBe(1)
          expect(joined.unsafePoll()).toBeNull()
          yield* Fiber.interrupt(joined)
          // Aborted by the last caller leaving, long before the attempt timeout (10 s) would.
          expect(yield* closedWithin(server, "1 second")).toBe(true)
          expect(yield* untraced(retrieve)).toEqual(token)
          expect((yield* server.requests).length).toBe(2)
        }).pipe(Effect.provide(shared(server.url)))
      }))

    it.scopedLive("a caller that survives the interruption (it masks and recovers) has its request aborted no later than the attempt timeout", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(FaultServer.Behavior.StallBody({ status: 200, prefix: "{" }))
        const recovered = yield* Effect.fork(
          Effect.uninterruptibleMask((restore) =>
            Effect.zipLeft(Effect.exit(restore(retrieve)), Effect.sleep("1500 millis"))
          ).pipe(untraced, Effect.provide(shared(server.url, { timeout: "300 millis", retry: false })))
        )
        yield* until(server.inFlight, (n) => n > 0)
        yield* Fiber.interrupt(recovered).pipe(Effect.fork)
        expect(yield* closedWithin(server, "1 second")).toBe(true)
        expect(recovered.unsafePoll()).toBeNull()
      }))
  })
})

describe("UndiciTransport", () => {
  it.scopedLive("a closed dispatcher is a TransportError, retried and then returned, never a defect", () =>
    Effect.gen(function*() {
      const agent = new Agent()
      yield* Effect.promise(() => agent.close())
      const error = yield* Effect.flip(retrieve).pipe(
        Effect.provide(
          ApiTokens.layer({
            apiKey,
            baseUrl: "http://127.0.0.1:9",
            retry: { times: 1, base: "1 millis", cap: "1 millis" }
          }).pipe(
            Layer.provide(UndiciTransport.layerWithoutDispatcher),
            Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, agent))
          )
        )
      )
      expect(error._tag).toBe("TransportError")
      expect(error.message).not.toContain(Redacted.value(apiKey))
    }))
})
