/**
 * Clients derived from our transports. A request-side customization (`mapRequest`, `mapRequestEffect`,
 * `mapRequestInput`, `mapRequestInputEffect`, `tapRequest`) keeps the lean GET, which sends the mapped request
 * as the platform would (its URL, every header); a mapped request the lean GET cannot send (another method,
 * a body) goes through the platform for that call; a response-side customization (`tap`, `transformResponse`,
 * `filterStatusOk`, `retry`) takes the platform pipeline, where it applies. A mapping's failure is a
 * `TransportError`, and the mapping's time counts against the attempt.
 *
 * Which path served a request shows at the server: the lean GET always asks for `Accept-Encoding: identity`,
 * which neither platform client sends. The lean path's own guarantees (timeouts, the body cap, refused
 * redirects, retries, the key in no error, log or span) are proven for derived clients by the same tables
 * that prove them for the transports: resilience/Resilience.test.ts, LeanTransports.test.ts,
 * CallOptions.test.ts and ResponseHeaders.test.ts run over `leanTransports` (transports.ts).
 */
import { ApiTokens, FetchTransport, TokenMeta } from "@deepset-tokens/client"
import * as ProxyTransport from "@deepset-tokens/client/ProxyTransport"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { Arbitraries, FaultServer, Simulator } from "@deepset-tokens/testing"
import * as ForwardProxy from "@deepset-tokens/testing/ForwardProxy"
import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  type Duration,
  Effect,
  Exit,
  FastCheck as fc,
  Fiber,
  Layer,
  Option,
  Redacted,
  Schema,
  TestClock
} from "effect"
import { deriveWith } from "./transports.js"

type Derivation = (client: HttpClient.HttpClient) => HttpClient.HttpClient

const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 57 })[0]!
const body = JSON.stringify(Schema.encodeSync(TokenMeta)(token))
const key = "api_derived_key_4a7e"
const apiKey = Redacted.make(key)

// Header names a user would add (not one the lean GET or HTTP itself owns), and visible ASCII values.
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,16}$/)
const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,24}[!-~])?$/)

const transports = [["FetchTransport", FetchTransport.layer], ["UndiciTransport", UndiciTransport.layer]] as const

const custom = { name: "x-custom", value: "from-the-mapping" } as const
const setCustom = HttpClientRequest.setHeader(custom.name, custom.value)

/** Each request-side derivation, adding the same header (`tapRequest`, which cannot, only looks). */
const requestSide: ReadonlyArray<readonly [string, Derivation, boolean]> = [
  ["mapRequest", HttpClient.mapRequest(setCustom), true],
  ["mapRequestEffect", HttpClient.mapRequestEffect((request) => Effect.succeed(setCustom(request))), true],
  ["mapRequestInput", HttpClient.mapRequestInput(setCustom), true],
  ["mapRequestInputEffect", HttpClient.mapRequestInputEffect((request) => Effect.succeed(setCustom(request))), true],
  ["tapRequest", HttpClient.tapRequest(() => Effect.void), false],
  [
    "two mapRequests and a tapRequest",
    (client) =>
      client.pipe(
        HttpClient.mapRequest(HttpClientRequest.setHeader("x-first", "1")),
        HttpClient.tapRequest(() => Effect.void),
        HttpClient.mapRequest(setCustom)
      ),
    true
  ]
]

const retrieveOn = <E>(
  http: Layer.Layer<HttpClient.HttpClient, E>,
  options: Partial<ApiTokens.Options> & Pick<ApiTokens.Options, "apiKey" | "baseUrl">,
  id: string
) =>
  Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id)).pipe(
    Effect.provide(ApiTokens.layer({ retry: false, ...options }).pipe(Layer.provide(http)))
  )

/** The simulator and the headers of the last request it received. */
const simulator = Effect.gen(function*() {
  const sim = yield* Simulator.make({ tokens: 2, log: false })
  const last = Effect.map(sim.api.requests, (seen) => seen[seen.length - 1])
  return { sim, last }
})

describe.each(transports)("a client derived from %s", (_, transport) => {
  describe("on the request side keeps the lean GET, which sends the mapped request", () => {
    it.scopedLive.each(requestSide)("%s", ([, derivation, addsHeader]) =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        const meta = yield* retrieveOn(deriveWith(transport, derivation), {
          apiKey: sim.apiKey,
          baseUrl: sim.url
        }, sim.ids[0]!)
        expect(meta.api_token_id).toBe(sim.ids[0])
        const seen = yield* last
        expect(seen?.headers["accept-encoding"]).toBe("identity")
        expect(seen?.headers[custom.name]).toBe(addsHeader ? custom.value : undefined)
        expect(seen?.auth).toBe("valid")
      }))

    it.scopedLive("tapRequest sees the request, once per attempt", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.Respond({ status: 503, headers: { "retry-after-ms": "0" } }),
          FaultServer.Behavior.Respond({ status: 200, headers: {}, body })
        )
        const seen: Array<string> = []
        const meta = yield* retrieveOn(
          deriveWith(transport, HttpClient.tapRequest((request) => Effect.sync(() => seen.push(request.url)))),
          { apiKey, baseUrl: server.url, retry: { times: 1 } },
          token.api_token_id
        )
        expect(meta).toEqual(token)
        const url = `${server.url}/api/v1/token/${token.api_token_id}`
        expect(seen).toEqual([url, url])
        expect((yield* server.requests).length).toBe(2)
      }))

    it.scopedLive("a replaced authorization header is the one sent", () =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        // The layer's key is wrong; the mapping puts the right one in, as a key from a vault might be.
        const right = `Bearer ${Redacted.value(sim.apiKey)}`
        const meta = yield* retrieveOn(
          deriveWith(transport, HttpClient.mapRequest(HttpClientRequest.setHeader("authorization", right))),
          { apiKey: Redacted.make("api_wrong_key_0000"), baseUrl: sim.url },
          sim.ids[0]!
        )
        expect(meta.api_token_id).toBe(sim.ids[0])
        expect((yield* last)?.auth).toBe("valid")
      }))

    it.scopedLive("mapRequestInput's URL is honoured: another path, URL parameters, no hash", () =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        const other = `${sim.url}/api/v1/token/${sim.ids[1]}`
        const meta = yield* retrieveOn(
          deriveWith(
            transport,
            HttpClient.mapRequestInput((request) =>
              request.pipe(
                HttpClientRequest.setUrl(other),
                HttpClientRequest.setUrlParam("trace", "on"),
                HttpClientRequest.setHash("fragment")
              )
            )
          ),
          { apiKey: sim.apiKey, baseUrl: sim.url },
          sim.ids[0]!
        )
        expect(meta.api_token_id).toBe(sim.ids[1])
        const seen = yield* last
        // The simulator records the path and query under its own host name.
        const url = new URL(seen?.url ?? "http://simulator/")
        expect(`${url.pathname}${url.search}${url.hash}`).toBe(`/api/v1/token/${sim.ids[1]}?trace=on`)
        expect(seen?.headers["accept-encoding"]).toBe("identity")
      }))

    it.scopedLive.prop(
      "any headers a mapping adds arrive as they are",
      [fc.uniqueArray(fc.tuple(headerName, headerValue), { selector: ([name]) => name, maxLength: 6 })],
      ([headers]) =>
        Effect.gen(function*() {
          const { last, sim } = yield* simulator
          yield* retrieveOn(
            deriveWith(transport, HttpClient.mapRequest(HttpClientRequest.setHeaders(Object.fromEntries(headers)))),
            { apiKey: sim.apiKey, baseUrl: sim.url },
            sim.ids[0]!
          )
          const seen = yield* last
          for (const [name, value] of headers) expect(seen?.headers[name]).toBe(value)
          expect(seen?.headers["accept-encoding"]).toBe("identity")
        }),
      { fastCheck: { numRuns: 10 } }
    )
  })

  describe("a mapped request the lean GET cannot send goes through the platform, mapped once", () => {
    it.scopedLive("a POST with a JSON body: sent as mapped, and its answer interpreted", () =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        let mappings = 0
        const exit = yield* Effect.exit(retrieveOn(
          deriveWith(
            transport,
            HttpClient.mapRequest((request) => {
              mappings++
              return request.pipe(HttpClientRequest.setMethod("POST"), HttpClientRequest.bodyUnsafeJson({ a: 1 }))
            })
          ),
          { apiKey: sim.apiKey, baseUrl: sim.url },
          sim.ids[0]!
        ))
        // The simulator, like the API, allows GET only.
        expect(exit).toMatchObject(Exit.fail({ _tag: "UnexpectedStatus", status: 405 }))
        const seen = yield* last
        expect(seen?.method).toBe("POST")
        expect(seen?.headers["content-type"]).toBe("application/json")
        expect(mappings).toBe(1)
      }))

    it.scopedLive("an Accept-Encoding of the mapping's own is sent as it asked", () =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        const meta = yield* retrieveOn(
          deriveWith(transport, HttpClient.mapRequest(HttpClientRequest.setHeader("accept-encoding", "br;q=0"))),
          { apiKey: sim.apiKey, baseUrl: sim.url },
          sim.ids[0]!
        )
        expect(meta.api_token_id).toBe(sim.ids[0])
        expect((yield* last)?.headers["accept-encoding"]).toBe("br;q=0")
      }))
  })

  describe("on the response side takes the platform pipeline, where the customization applies", () => {
    it.scopedLive("tap and transformResponse see the response", () =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        const statuses: Array<number> = []
        const derivations: ReadonlyArray<Derivation> = [
          HttpClient.tap((response) => Effect.sync(() => statuses.push(response.status))),
          HttpClient.transformResponse(Effect.tap((response) => Effect.sync(() => statuses.push(response.status)))),
          // A request-side customization on top does not bring the lean path back.
          (client) =>
            client.pipe(
              HttpClient.tap((response) => Effect.sync(() => statuses.push(response.status))),
              HttpClient.mapRequest(setCustom)
            )
        ]
        for (const derivation of derivations) {
          const meta = yield* retrieveOn(deriveWith(transport, derivation), {
            apiKey: sim.apiKey,
            baseUrl: sim.url
          }, sim.ids[0]!)
          expect(meta.api_token_id).toBe(sim.ids[0])
          expect((yield* last)?.headers["accept-encoding"]).not.toBe("identity")
        }
        expect(statuses).toEqual([200, 200, 200])
        expect((yield* last)?.headers[custom.name]).toBe(custom.value)
      }))

    it.scopedLive("filterStatusOk turns a 404 into a failure before our interpretation: a TransportError", () =>
      Effect.gen(function*() {
        const { sim } = yield* simulator
        const error = yield* Effect.flip(retrieveOn(deriveWith(transport, HttpClient.filterStatusOk), {
          apiKey: sim.apiKey,
          baseUrl: sim.url
        }, "00000000-0000-4000-8000-000000000000"))
        expect(error._tag).toBe("TransportError")
        expect(error.message).not.toContain(Redacted.value(sim.apiKey))
      }))

    it.scopedLive("HttpClient.retry retries inside one attempt", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(FaultServer.Behavior.Reset(), FaultServer.Behavior.Respond({ status: 200, body }))
        const meta = yield* retrieveOn(deriveWith(transport, HttpClient.retry({ times: 1 })), {
          apiKey,
          baseUrl: server.url
        }, token.api_token_id)
        expect(meta).toEqual(token)
        expect((yield* server.requests).length).toBe(2)
      }))
  })

  describe("a failing mapping", () => {
    it.scopedLive("is a TransportError without the key, retried like one, and nothing is sent", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        let mappings = 0
        const failing = HttpClient.mapRequestEffect((request) =>
          Effect.suspend(() => {
            mappings++
            return Effect.fail(
              new HttpClientError.RequestError({
                request,
                reason: "Transport",
                cause: new Error(`the vault refused Bearer ${key}`)
              })
            )
          })
        )
        const error = yield* Effect.flip(retrieveOn(deriveWith(transport, failing), {
          apiKey,
          baseUrl: server.url,
          retry: { times: 2, base: "1 millis", cap: "1 millis" }
        }, token.api_token_id))
        expect(error).toMatchObject({ _tag: "TransportError", reason: "the vault refused Bearer [redacted]" })
        expect(mappings).toBe(3)
        expect(yield* server.requests).toEqual([])
      }))

    it.effect.prop(
      "whatever it fails with (from JavaScript, anything): a TransportError, never a defect, never the key",
      [fc.oneof(fc.anything(), fc.string().map((s) => new Error(`${s} ${key}`)), fc.constant(key))],
      ([failure]) =>
        Effect.gen(function*() {
          // What a JavaScript caller can build: a client whose mapping fails with anything at all.
          const failing = HttpClient.mapRequestEffect(() => Effect.fail(failure)) as unknown as Derivation
          const exit = yield* Effect.exit(
            retrieveOn(deriveWith(transport, failing), { apiKey, baseUrl: "http://127.0.0.1:9" }, token.api_token_id)
          )
          const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("TransportError"))
          expect(String(exit)).not.toContain(key)
          expect(JSON.stringify(Option.getOrUndefined(error))).not.toContain(key)
        }),
      { fastCheck: { numRuns: 50 } }
    )
  })

  describe("the mapping's time counts against the attempt", () => {
    const slowMapping = (delay: Duration.DurationInput) =>
      HttpClient.mapRequestEffect((request: HttpClientRequest.HttpClientRequest) =>
        Effect.as(Effect.sleep(delay), request)
      )

    it.scoped("a mapping slower than the attempt timeout is a Timeout, and nothing is sent", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        const fiber = yield* Effect.fork(retrieveOn(deriveWith(transport, slowMapping("2 seconds")), {
          apiKey,
          baseUrl: server.url,
          timeout: "1 second"
        }, token.api_token_id))
        yield* TestClock.adjust("2 seconds")
        expect(yield* Fiber.await(fiber)).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "attempt" }))
        expect(yield* server.requests).toEqual([])
      }))

    it.scoped("after a mapping that took part of it, the request has the rest of the attempt timeout", () =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(FaultServer.Behavior.SlowHeaders({ ms: 60_000, then: FaultServer.Behavior.Reset() }))
        const fiber = yield* Effect.fork(retrieveOn(deriveWith(transport, slowMapping("600 millis")), {
          apiKey,
          baseUrl: server.url,
          timeout: "1 second"
        }, token.api_token_id))
        yield* TestClock.adjust("600 millis")
        // The request travels in real time (the TestClock cannot move a socket): wait until the server holds it.
        while ((yield* server.requests).length === 0) {
          yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        }
        yield* TestClock.adjust("399 millis")
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust("1 millis")
        expect(yield* Fiber.await(fiber)).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "attempt" }))
      }))

    it.effect("a mapping that never completes is bounded by the deadline", () =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(
          retrieveOn(deriveWith(transport, HttpClient.mapRequestEffect(() => Effect.never)), {
            apiKey,
            baseUrl: "http://127.0.0.1:9",
            deadline: "5 seconds"
          }, token.api_token_id)
        )
        yield* TestClock.adjust("5 seconds")
        expect(yield* Fiber.await(fiber)).toMatchObject(Exit.fail({ _tag: "Timeout", scope: "deadline" }))
      }))
  })
})

describe.each([["layerUndici", ProxyTransport.layerUndici], ["layerFetch", ProxyTransport.layerFetch]] as const)(
  "a client derived from ProxyTransport.%s",
  (_, layer) => {
    it.scopedLive("keeps the lean GET through the proxy, with the mapped request", () =>
      Effect.gen(function*() {
        const { last, sim } = yield* simulator
        const proxy = yield* ForwardProxy.make()
        const meta = yield* retrieveOn(deriveWith(layer({ url: proxy.url }), HttpClient.mapRequest(setCustom)), {
          apiKey: sim.apiKey,
          baseUrl: sim.url
        }, sim.ids[0]!)
        expect(meta.api_token_id).toBe(sim.ids[0])
        const seen = yield* last
        expect(seen?.headers[custom.name]).toBe(custom.value)
        expect(seen?.headers["accept-encoding"]).toBe("identity")
        expect((yield* proxy.requests).map((r) => r.method)).toEqual(["CONNECT"])
      }))
  }
)
