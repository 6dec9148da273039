/**
 * An in-memory model of the deepset API-token endpoint, and an `HttpClient` that reaches it with no socket.
 *
 * @since 0.1.0
 */
import { TokenMeta } from "@deepset-tokens/domain"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type { Fault } from "./Fault.js"
import { parseServerUuid } from "./internal/uuid.js"

/**
 * What the model sees of a request.
 *
 * @category models
 * @since 0.1.0
 */
export interface ModelRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Headers.Headers
}

/**
 * What the model answers: a full response, a response whose body breaks, or no response at all.
 *
 * @category models
 * @since 0.1.0
 */
export type ModelResponse =
  | {
    readonly _tag: "Response"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
  | {
    readonly _tag: "BrokenBody"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly prefix: string
  }
  | { readonly _tag: "Disconnect"; readonly reason: string }

/**
 * One request the fake received, in arrival order. `headers` is `@effect/platform`'s `Headers`, whose
 * inspection and JSON output redact `authorization`.
 *
 * @category models
 * @since 0.1.0
 */
export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: Headers.Headers
  /** How the request authenticated: with the accepted key, another bearer token, or none. */
  readonly auth: "valid" | "invalid" | "missing"
}

/**
 * The key a `FakeDeepsetApi` accepts unless told otherwise.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultApiKey: Redacted.Redacted<string> = Redacted.make("api_fake_0123456789abcdef")

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The key the fake accepts. Default {@link defaultApiKey}. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Tokens in the store from the start. */
  readonly tokens?: Iterable<TokenMeta> | undefined
  /** Added to every answer, on the `Clock` (so the `TestClock` drives it in tests). Default none. */
  readonly latency?: Duration.DurationInput | undefined
}

interface Stored {
  readonly meta: TokenMeta
  readonly json: string
}

const encodeTokenMeta = Schema.encode(Schema.parseJson(TokenMeta))

const byteLength = (text: string): string => String(new TextEncoder().encode(text).byteLength)

const jsonText = (status: number, text: string, extra: Readonly<Record<string, string>> = {}): ModelResponse => ({
  _tag: "Response",
  status,
  headers: { "content-type": "application/json", "content-length": byteLength(text), ...extra },
  body: text
})

const json = (status: number, body: unknown, extra: Readonly<Record<string, string>> = {}): ModelResponse =>
  jsonText(status, JSON.stringify(body), extra)

const tokenPath = /^\/api\/v1\/token\/([^/]*)$/

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * The FastAPI answer for a path id that is not a UUID.
 *
 * @internal
 */
const uuidParsing = (input: string, extra: Readonly<Record<string, string>>): ModelResponse => {
  const bad = [...input].findIndex((c) => !/[0-9a-fA-F-]/.test(c))
  const error = bad === -1
    ? `invalid group length in group 0: expected 8, found ${input.split("-")[0]?.length ?? 0}`
    : `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${
      input[bad]
    }\` at ${bad + 1}`
  return json(422, {
    detail: [{
      type: "uuid_parsing",
      loc: ["path", "api_token_id"],
      msg: `Input should be a valid UUID, ${error}`,
      input,
      ctx: { error }
    }]
  }, extra)
}

const makeImpl = Effect.fnUntraced(function*(options: Options = {}) {
  const apiKey = options.apiKey === undefined
    ? defaultApiKey
    : Redacted.isRedacted(options.apiKey)
    ? options.apiKey
    : Redacted.make(options.apiKey)
  const store = yield* Ref.make(new Map<string, Stored>())
  const faults = yield* Ref.make<ReadonlyArray<Fault>>([])
  // Appended in place: copying the log on every request made long runs quadratic.
  const log: Array<RecordedRequest> = []
  let counter = 0

  const seed = (...tokens: ReadonlyArray<TokenMeta>): Effect.Effect<void, ParseResult.ParseError> =>
    Effect.forEach(tokens, (meta) => Effect.map(encodeTokenMeta(meta), (json) => ({ meta, json }))).pipe(
      Effect.flatMap((stored) =>
        Ref.update(store, (map) => {
          const next = new Map(map)
          for (const entry of stored) next.set(entry.meta.api_token_id.toLowerCase(), entry)
          return next
        })
      )
    )

  const authOf = (headers: Headers.Headers): RecordedRequest["auth"] => {
    const header = headers["authorization"]
    if (header === undefined) return "missing"
    const match = /^bearer\s+(.+)$/i.exec(header)
    if (match === null) return "missing"
    return match[1] === Redacted.value(apiKey) ? "valid" : "invalid"
  }

  const model = (request: ModelRequest, auth: RecordedRequest["auth"]): Effect.Effect<ModelResponse> =>
    Effect.gen(function*() {
      const requestId = { "x-request-id": `fake-${String(++counter).padStart(6, "0")}` }
      const match = tokenPath.exec(request.url.pathname)
      if (match === null) return json(404, { detail: "Not Found" }, requestId)
      if (request.method !== "GET") return json(405, { detail: "Method Not Allowed" }, { allow: "GET", ...requestId })
      const challenge = { "www-authenticate": "Bearer", ...requestId }
      if (auth === "missing") return json(401, { detail: "Not authenticated" }, challenge)
      if (auth === "invalid") return json(401, { detail: "Invalid API key" }, challenge)
      const segment = decodeSegment(match[1] ?? "")
      const id = parseServerUuid(segment)
      if (id === undefined) return uuidParsing(segment, requestId)
      const found = (yield* Ref.get(store)).get(id)
      if (found === undefined) return json(404, { detail: "Token not found" }, requestId)
      return {
        _tag: "Response",
        status: 200,
        headers: { "content-type": "application/json", ...requestId },
        body: found.json
      }
    })

  const answerWith = (
    fault: Fault | undefined,
    request: ModelRequest,
    auth: RecordedRequest["auth"]
  ): Effect.Effect<ModelResponse> => {
    if (fault === undefined) return model(request, auth)
    switch (fault._tag) {
      case "Delay":
        return Effect.zipRight(Effect.sleep(fault.duration), answerWith(fault.then, request, auth))
      case "Disconnect":
        return Effect.succeed({ _tag: "Disconnect", reason: fault.reason })
      case "Respond":
        return Effect.succeed({ _tag: "Response", status: fault.status, headers: fault.headers, body: fault.body })
      case "BrokenBody":
        return Effect.succeed({
          _tag: "BrokenBody",
          status: fault.status,
          headers: fault.headers,
          prefix: fault.prefix
        })
    }
  }

  // The fault is taken when the request arrives, so a request abandoned mid-delay cannot take a later one's.
  const next = (request: ModelRequest, auth: RecordedRequest["auth"]): Effect.Effect<ModelResponse> =>
    Effect.flatMap(
      Ref.modify(faults, (queue) => [queue[0], queue.slice(1)] as const),
      (fault) => answerWith(fault, request, auth)
    )

  const latency = options.latency === undefined ? Duration.zero : Duration.decode(options.latency)
  const answer = Duration.isZero(latency)
    ? next
    : (request: ModelRequest, auth: RecordedRequest["auth"]) =>
      Effect.zipRight(Effect.sleep(latency), next(request, auth))

  const handle = (request: ModelRequest): Effect.Effect<ModelResponse> => {
    const auth = authOf(request.headers)
    return Effect.zipRight(
      Effect.sync(() =>
        log.push({ method: request.method, url: request.url.toString(), headers: request.headers, auth })
      ),
      answer(request, auth)
    )
  }

  if (options.tokens !== undefined) yield* seed(...options.tokens)

  return {
    apiKey,
    seed,
    remove: (id: string) =>
      Ref.update(store, (map) => {
        const next = new Map(map)
        next.delete(id.toLowerCase())
        return next
      }),
    tokens: Effect.map(Ref.get(store), (map) => Array.from(map.values(), (entry) => entry.meta)),
    script: (...more: ReadonlyArray<Fault>) => Ref.update(faults, (queue) => [...queue, ...more]),
    pendingFaults: Effect.map(Ref.get(faults), (queue) => queue.length),
    requests: Effect.sync(() => log.slice()),
    clearRequests: Effect.sync(() => {
      log.length = 0
    }),
    handle
  } as const
})

/**
 * The fake's service: seed and inspect it in tests.
 *
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** The key the fake accepts. */
  readonly apiKey: Redacted.Redacted<string>
  /** Adds (or replaces) tokens. Fails if a value does not encode as a `TokenMeta`. */
  readonly seed: (...tokens: ReadonlyArray<TokenMeta>) => Effect.Effect<void, ParseResult.ParseError>
  readonly remove: (id: string) => Effect.Effect<void>
  readonly tokens: Effect.Effect<ReadonlyArray<TokenMeta>>
  /** Queues faults; each one answers (or delays) one incoming request, in order. */
  readonly script: (...faults: ReadonlyArray<Fault>) => Effect.Effect<void>
  /** How many scripted faults have not been used yet. */
  readonly pendingFaults: Effect.Effect<number>
  /** Every request received so far, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  readonly clearRequests: Effect.Effect<void>
  /** The model itself: what the fake transport and the HTTP simulator both call. */
  readonly handle: (request: ModelRequest) => Effect.Effect<ModelResponse>
}

/**
 * The in-memory deepset API. Provide it with {@link layer}, then seed it and look at what it received.
 *
 * @example
 * ```ts
 * import { Arbitraries, FakeDeepsetApi } from "@deepset-tokens/testing"
 * import { Effect, FastCheck } from "effect"
 *
 * const [token] = FastCheck.sample(Arbitraries.realisticTokenMeta(), 1)
 *
 * const program = Effect.gen(function*() {
 *   const api = yield* FakeDeepsetApi.FakeDeepsetApi
 *   yield* api.seed(token!)
 *   // ... run code that uses ApiTokens ...
 *   return yield* api.requests
 * }).pipe(Effect.provide(FakeDeepsetApi.layer()))
 * ```
 *
 * @category tags
 * @since 0.1.0
 */
export class FakeDeepsetApi extends Context.Tag("@deepset-tokens/testing/FakeDeepsetApi")<FakeDeepsetApi, Service>() {}

/**
 * Builds a fresh fake (its own store, script and log). Use it directly when you need the model without a
 * transport, for example to serve it over HTTP. Fails if an initial token does not encode as a `TokenMeta`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: (options?: Options) => Effect.Effect<Service, ParseResult.ParseError> = makeImpl

/** A web `Response` whose status may be anything from 100 to 599, which the constructor alone refuses. */
const webResponse = (status: number, headers: Readonly<Record<string, string>>, body: BodyInit | null): Response => {
  const response = new Response(body, { headers })
  // An own property shadows the prototype getter; the body methods keep working on the real object.
  Object.defineProperty(response, "status", { value: status })
  return response
}

const encoder = new TextEncoder()

const brokenStream = (prefix: string): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      if (prefix.length > 0) controller.enqueue(encoder.encode(prefix))
      controller.error(new Error("socket hang up: the connection was reset while the body was read"))
    }
  })

/**
 * An `HttpClient` whose every request is answered by the given fake, with no socket.
 *
 * @category constructors
 * @since 0.1.0
 */
export const httpClient = (api: Service): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.flatMap(api.handle({ method: request.method, url, headers: request.headers }), (answer) => {
      switch (answer._tag) {
        case "Disconnect":
          return Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(answer.reason) })
          )
        case "BrokenBody":
          return Effect.succeed(
            HttpClientResponse.fromWeb(request, webResponse(answer.status, answer.headers, brokenStream(answer.prefix)))
          )
        case "Response":
          // Bytes, not a string: a string body would make `Response` invent a text/plain content type.
          return Effect.succeed(
            HttpClientResponse.fromWeb(request, webResponse(answer.status, answer.headers, encoder.encode(answer.body)))
          )
      }
    })
  )

/**
 * Provides both the fake (`FakeDeepsetApi`, to seed and inspect) and an `HttpClient` that reaches it. Each
 * build is a fresh fake, so a layer provided per test gives each test its own state.
 *
 * **Gotchas**
 *
 * The fake's `HttpClient` is an output of this layer. Merged into a context that has an `HttpClient` of its
 * own (`NodeHttpServer.layerTest`'s, which reaches the test server), it silently replaces that one: the
 * test's requests then go to the fake and fail with `InvalidUrl`, and no type says so. There, use
 * {@link layerFor}, which keeps the fake's client inside.
 *
 * @example
 * ```ts
 * import { ApiTokens } from "@deepset-tokens/client"
 * import { FakeDeepsetApi } from "@deepset-tokens/testing"
 * import { Layer } from "effect"
 *
 * const TestLayer = ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(
 *   Layer.provideMerge(FakeDeepsetApi.layer())
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<FakeDeepsetApi | HttpClient.HttpClient, ParseResult.ParseError> =>
  Layer.effectContext(
    Effect.map(make(options), (api) =>
      Context.make(FakeDeepsetApi, api).pipe(Context.add(HttpClient.HttpClient, httpClient(api))))
  )

/**
 * Builds `layer` (typically `ApiTokens.layer(...)`) on the fake's `HttpClient`, and provides what it
 * outputs plus `FakeDeepsetApi`, never the `HttpClient` itself. Each build is a fresh fake.
 *
 * **When to use**
 *
 * Whenever the test's context has an `HttpClient` of its own, as under `NodeHttpServer.layerTest`, where the
 * test calls its own server: {@link layer} would replace that client, this cannot. Any constructor works
 * (`ApiTokens.layer`, `ApiTokens.layerConfig`, with or without a `cache`), so the fake does not depend on the
 * client's API.
 *
 * **Gotchas**
 *
 * Code that asks `DateTime.now` whether a token has expired sees the `TestClock`, which starts at 1970
 * inside `it.effect`: move it first with `TestNow.setTo` (see the `TestNow` module).
 *
 * @example
 * ```ts
 * import { ApiTokens } from "@deepset-tokens/client"
 * import { FakeDeepsetApi } from "@deepset-tokens/testing"
 * import { NodeHttpServer } from "@effect/platform-node"
 * import { Layer } from "effect"
 *
 * // Layer<ApiTokens | FakeDeepsetApi, ...>: the test server's HttpClient stays the one tests use.
 * const Tokens = FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }))
 * const TestLayer = Layer.merge(Tokens, NodeHttpServer.layerTest)
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFor = <ROut, E, RIn>(
  layer: Layer.Layer<ROut, E, RIn>,
  options?: Options
): Layer.Layer<
  ROut | FakeDeepsetApi,
  E | ParseResult.ParseError,
  Exclude<Exclude<RIn, HttpClient.HttpClient>, FakeDeepsetApi>
> =>
  layer.pipe(
    Layer.provide(Layer.effect(HttpClient.HttpClient, Effect.map(FakeDeepsetApi, httpClient))),
    Layer.provideMerge(Layer.effect(FakeDeepsetApi, make(options)))
  )
