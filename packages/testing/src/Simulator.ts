/**
 * The deepset API simulator: the same in-memory model as the fake transport, served over real HTTP on
 * loopback. One model, two ways to reach it, so socket tests and socket-free tests cannot drift apart.
 *
 * @since 0.1.0
 */
import type { ApiTokenId, TokenMeta } from "@deepset-tokens/domain"
import * as Wire from "@deepset-tokens/wire"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import { realisticTokenMeta } from "./Arbitraries.js"
import * as FakeDeepsetApi from "./FakeDeepsetApi.js"

/**
 * Random faults for chaos testing. Rates are fractions of requests (0 to 1).
 *
 * @category models
 * @since 0.1.0
 */
export interface Chaos {
  /** Fraction answered `503` with `Retry-After: 1`. */
  readonly rate503?: number | undefined
  /** Fraction answered `429` with `Retry-After: 1`. */
  readonly rate429?: number | undefined
  /** Added to every answer. */
  readonly latency?: Duration.DurationInput | undefined
  /** Seed of the fault dice, for reproducible runs. Default 1. */
  readonly seed?: number | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Default 0: an ephemeral port. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** The key the simulator accepts. Default {@link FakeDeepsetApi.defaultApiKey}. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** How many deterministic tokens to seed. Default 25. */
  readonly tokens?: number | undefined
  /** Seed of the token generator. Default 2024. */
  readonly seed?: number | undefined
  readonly chaos?: Chaos | undefined
  /** Log one line per request (method, path, status, duration; never headers). Default `true`. */
  readonly log?: boolean | undefined
  /**
   * Answer cross-origin requests from a page, as a gateway configured for browsers would. Off by default: the
   * real API is meant for servers. `true` allows any origin and exposes {@link corsExposedHeaders}.
   */
  readonly cors?: boolean | Wire.Cors | undefined
}

/**
 * The response headers `ApiTokens` reads besides the body, which a CORS answer exposes by default.
 *
 * @category constants
 * @since 0.1.0
 */
export const corsExposedHeaders: ReadonlyArray<string> = Wire.corsExposedHeaders

/**
 * A running simulator.
 *
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** The base URL to give `ApiTokens` (`http://127.0.0.1:<port>`). */
  readonly url: string
  readonly apiKey: Redacted.Redacted<string>
  /** The seeded tokens' ids, in seed order. */
  readonly ids: ReadonlyArray<ApiTokenId>
  /** The model behind it: seed, script faults, inspect requests. */
  readonly api: FakeDeepsetApi.Service
}

/**
 * @category tags
 * @since 0.1.0
 */
export class Simulator extends Context.Tag("@deepset-tokens/testing/Simulator")<Simulator, Service>() {}

const day = 24 * 60 * 60 * 1000

/**
 * `n` realistic tokens, the same ones for the same `n` and `seed`, with expiries relative to `now`.
 *
 * **Details**
 *
 * The expiries follow a fixed rotation, so even three or four tokens show every case: the first is valid for
 * months, the second never expires, the third expires within two weeks and the fourth expired up to 90 days
 * ago. Names, masked tokens (`abcd****wxyz`), roles and workspaces come from
 * `Arbitraries.realisticTokenMeta`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const seedTokens = (n: number, seed: number, now: DateTime.Utc): ReadonlyArray<TokenMeta> => {
  if (!(n > 0)) return []
  const at = (offset: number) => DateTime.unsafeMake(DateTime.toEpochMillis(now) + offset)
  const samples = fc.sample(
    fc.tuple(realisticTokenMeta(now), fc.integer({ min: 0, max: 364 }), fc.integer({ min: 0, max: day - 1 })),
    { numRuns: Math.floor(n), seed }
  )
  const unique = new Map<string, TokenMeta>()
  samples.forEach(([token, days, ms], i) => {
    const expires_at = [
      at((30 + (days % 300)) * day + ms),
      null,
      at((days % 14) * day + ms + 60_000),
      at(-((days % 90) * day + ms + 60_000))
    ][i % 4] ?? null
    unique.set(token.api_token_id, { ...token, expires: expires_at !== null, expires_at })
  })
  return Array.from(unique.values())
}

/** mulberry32: a tiny seeded PRNG, so a chaos run can be replayed. */
const dice = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const unavailable: FakeDeepsetApi.ModelResponse = {
  _tag: "Response",
  status: 503,
  headers: { "retry-after": "1", "content-type": "application/json" },
  body: "{\"detail\":\"Service Unavailable\"}"
}

const tooMany: FakeDeepsetApi.ModelResponse = {
  _tag: "Response",
  status: 429,
  headers: { "retry-after": "1", "content-type": "application/json" },
  body: "{\"detail\":\"Too Many Requests\"}"
}

const toServerResponse = (answer: FakeDeepsetApi.ModelResponse & { readonly _tag: "Response" }) =>
  HttpServerResponse.text(answer.body, {
    status: answer.status,
    headers: answer.headers,
    ...(answer.headers["content-type"] === undefined ? {} : { contentType: answer.headers["content-type"] })
  })

/**
 * Starts a simulator in the current scope; it stops when the scope closes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: (
  options?: Options
) => Effect.Effect<Service, HttpServerError.ServeError | ParseResult.ParseError, Scope.Scope> = Effect.fn(
  "Simulator.make"
)(
  function*(options: Options = {}) {
    const now = yield* DateTime.now
    const tokens = seedTokens(options.tokens ?? 25, options.seed ?? 2024, now)
    const api = yield* FakeDeepsetApi.make({ apiKey: options.apiKey, tokens })
    const roll = dice(options.chaos?.seed ?? 1)
    const rate503 = options.chaos?.rate503 ?? 0
    const rate429 = options.chaos?.rate429 ?? 0
    const latency = Duration.decode(options.chaos?.latency ?? Duration.zero)
    const log = options.log !== false

    // Chaos comes before the model, so a faulted request never reaches it (nor its request log), as when a
    // gateway in front of the API answers; the added latency applies to every answer alike.
    const answer = (
      request: HttpServerRequest.HttpServerRequest,
      url: URL
    ): Effect.Effect<FakeDeepsetApi.ModelResponse> => {
      const die = roll()
      if (die < rate503) return Effect.succeed(unavailable)
      if (die < rate503 + rate429) return Effect.succeed(tooMany)
      return api.handle({ method: request.method, url, headers: request.headers })
    }
    const delayed = Duration.isZero(latency)
      ? answer
      : (request: HttpServerRequest.HttpServerRequest, url: URL) =>
        Effect.zipRight(Effect.sleep(latency), answer(request, url))

    const cors = Wire.corsOf(options.cors)
    const app = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      // A preflight is the browser asking, not the page: the model never sees it, and it is not logged.
      if (cors !== undefined && request.method === "OPTIONS") return preflight(cors, request)
      const started = performance.now()
      const url = new URL(request.url, "http://simulator")
      const answered = yield* delayed(request, url)
      const plain = yield* respond(request, answered)
      const response = cors === undefined
        ? plain
        : HttpServerResponse.setHeaders(plain, Wire.corsHeaders(cors, request.headers["origin"]))
      if (log) {
        // Method, path, status and duration only: never headers, so never the key.
        const ms = (performance.now() - started).toFixed(1)
        const status = answered._tag === "Disconnect" ? "disconnect" : String(answered.status)
        yield* Effect.log(`${request.method} ${url.pathname} ${status} ${ms}ms`)
      }
      return response
    })

    const server = yield* NodeHttpServer.make(() => createServer(), {
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1"
    })
    yield* server.serve(app)
    const address = server.address
    const host = address._tag === "TcpAddress"
      ? (address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname)
      : "127.0.0.1"
    const port = address._tag === "TcpAddress" ? address.port : 0
    return {
      url: `http://${host}:${port}`,
      apiKey: api.apiKey,
      ids: tokens.map((token) => token.api_token_id),
      api
    }
  }
)

const preflight = (cors: Wire.Cors, request: HttpServerRequest.HttpServerRequest) =>
  HttpServerResponse.empty({
    status: 204,
    headers: Wire.preflightHeaders(cors, request.headers["origin"], request.headers["access-control-request-headers"])
  })

/** Faults that break the connection go below the HTTP abstraction, to the socket. */
const respond = (
  request: HttpServerRequest.HttpServerRequest,
  answer: FakeDeepsetApi.ModelResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  switch (answer._tag) {
    case "Response":
      return Effect.succeed(toServerResponse(answer))
    case "Disconnect":
      return Effect.sync(() => {
        NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
        return HttpServerResponse.empty({ status: 500 })
      })
    case "BrokenBody":
      return Effect.sync(() => {
        const raw = NodeHttpServerRequest.toServerResponse(request)
        const length = Buffer.byteLength(answer.prefix) + 1024
        raw.writeHead(answer.status, { ...answer.headers, "content-length": String(length) })
        raw.write(answer.prefix)
        raw.socket?.destroy()
        return HttpServerResponse.empty({ status: answer.status })
      })
  }
}

/**
 * A simulator for the lifetime of the layer.
 *
 * @example
 * ```ts
 * import { ApiTokens } from "@deepset-tokens/client"
 * import { Simulator } from "@deepset-tokens/testing"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * const ClientLayer = Layer.unwrapEffect(
 *   Effect.map(Simulator.Simulator, (sim) => ApiTokens.layer({ apiKey: sim.apiKey, baseUrl: sim.url }))
 * ).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(Simulator.layer({ log: false })))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<Simulator, HttpServerError.ServeError | ParseResult.ParseError> => Layer.scoped(Simulator, make(options))

/**
 * Parses a chaos spec such as `503=0.1,429=0.05,latency=200ms,seed=7`.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseChaos = (spec: string): Either.Either<Chaos, string> => {
  const chaos: { rate503?: number; rate429?: number; latency?: Duration.Duration; seed?: number } = {}
  for (const part of spec.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const [key, value = ""] = part.split("=", 2).map((s) => s.trim())
    const rate = Number(value)
    switch (key) {
      case "503":
      case "429":
        if (!(rate >= 0 && rate <= 1)) {
          return Either.left(`${key} expects a fraction from 0 to 1, got ${JSON.stringify(value)}`)
        }
        if (key === "503") chaos.rate503 = rate
        else chaos.rate429 = rate
        break
      case "latency": {
        const ms = /^(\d+)\s*ms$/.exec(value) ?? /^(\d+)$/.exec(value)
        if (ms === null) return Either.left(`latency expects milliseconds such as 200ms, got ${JSON.stringify(value)}`)
        chaos.latency = Duration.millis(Number(ms[1]))
        break
      }
      case "seed":
        if (!Number.isSafeInteger(rate)) return Either.left(`seed expects an integer, got ${JSON.stringify(value)}`)
        chaos.seed = rate
        break
      default:
        return Either.left(`unknown chaos setting ${JSON.stringify(key)} (use 503=, 429=, latency=, seed=)`)
    }
  }
  if ((chaos.rate503 ?? 0) + (chaos.rate429 ?? 0) > 1) return Either.left("503 and 429 rates add up to more than 1")
  return Either.right(chaos)
}
