/**
 * One contract, five ways to reach the model: the in-memory fake transport, and the simulator over real
 * HTTP with our fetch and undici transports (the lean path) and the platform's clients (the generic path).
 * Every way must give the same results.
 */
import { ApiTokens, FetchTransport, TokenMeta } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { Arbitraries, FakeDeepsetApi, Simulator } from "@deepset-tokens/testing"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Layer, Redacted, Schema, type Scope } from "effect"

interface Harness {
  readonly api: FakeDeepsetApi.Service
  readonly baseUrl: string
  readonly client: Layer.Layer<HttpClient.HttpClient>
}

const targets: ReadonlyArray<readonly [string, Effect.Effect<Harness, unknown, Scope.Scope>]> = [
  [
    "fake transport (no socket)",
    Effect.map(FakeDeepsetApi.make(), (api) => ({
      api,
      baseUrl: "https://api.cloud.deepset.ai",
      client: Layer.succeed(HttpClient.HttpClient, FakeDeepsetApi.httpClient(api))
    }))
  ],
  ...([
    ["FetchTransport", FetchTransport.layer],
    ["UndiciTransport", UndiciTransport.layer],
    ["platform FetchHttpClient", FetchHttpClient.layer],
    ["platform undici HttpClient", NodeHttpClient.layerUndici]
  ] as const).map(([name, client]) =>
    [
      `simulator over ${name}`,
      Effect.map(Simulator.make({ tokens: 0, log: false }), (sim) => ({ api: sim.api, baseUrl: sim.url, client }))
    ] as const
  )
]

const encode = Schema.encodeSync(TokenMeta)

const outcome = (harness: Harness, id: string, key: Redacted.Redacted<string>) =>
  Effect.flatMap(ApiTokens, (t) => t.retrieve(id)).pipe(
    Effect.either,
    Effect.map(Either.match({
      onLeft: (error) => ({ tag: error._tag, status: "status" in error ? error.status : undefined }),
      onRight: (meta) => ({ tag: "Success", status: 200, wire: encode(meta) })
    })),
    Effect.provide(
      ApiTokens.layer({ apiKey: key, baseUrl: harness.baseUrl, retry: false }).pipe(Layer.provide(harness.client))
    )
  )

const contract = (harness: Harness, token: TokenMeta) =>
  Effect.gen(function*() {
    yield* harness.api.seed(token)
    const key = harness.api.apiKey
    return {
      found: yield* outcome(harness, token.api_token_id, key),
      upper: yield* outcome(harness, token.api_token_id.toUpperCase(), key),
      unknown: yield* outcome(harness, "00000000-0000-4000-8000-000000000000", key),
      invalid: yield* outcome(harness, "../admin", key),
      wrongKey: yield* outcome(harness, token.api_token_id, Redacted.make("api_wrong_key")),
      requests: (yield* harness.api.requests).map((r) => ({
        method: r.method,
        path: new URL(r.url).pathname,
        auth: r.auth
      }))
    }
  })

const tokens = fc.sample(Arbitraries.tokenMeta, { numRuns: 5, seed: 77 })

describe("the API contract", () => {
  for (const [name, build] of targets) {
    it.scopedLive(`holds over the ${name}`, () =>
      Effect.gen(function*() {
        for (const token of tokens) {
          const harness = yield* build
          const result = yield* contract(harness, token)
          expect(result.found).toEqual({ tag: "Success", status: 200, wire: encode(token) })
          expect(result.upper).toEqual(result.found)
          expect(result.unknown).toEqual({ tag: "TokenNotFound", status: 404 })
          expect(result.invalid).toEqual({ tag: "InvalidTokenId", status: undefined })
          expect(result.wrongKey).toEqual({ tag: "Unauthorized", status: 401 })
          expect(result.requests).toEqual([
            { method: "GET", path: `/api/v1/token/${token.api_token_id}`, auth: "valid" },
            { method: "GET", path: `/api/v1/token/${token.api_token_id}`, auth: "valid" },
            { method: "GET", path: "/api/v1/token/00000000-0000-4000-8000-000000000000", auth: "valid" },
            { method: "GET", path: `/api/v1/token/${token.api_token_id}`, auth: "invalid" }
          ])
        }
      }))
  }
})
