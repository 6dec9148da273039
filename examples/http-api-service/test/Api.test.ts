import { ApiTokens, expiresWithin, grantsWorkspace, isExpiredAt } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault, TestNow } from "@deepset-tokens/testing"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, FastCheck as fc, Layer, Logger, Redacted } from "effect"
import { Api, tokenIdHeader } from "../src/Api.js"
import { ApiLive } from "../src/Server.js"

// The service on a test server, its ApiTokens on the fake. `layerFor` keeps the fake's HttpClient inside:
// the HttpClient the tests use stays NodeHttpServer.layerTest's, which reaches the test server.
const TestServer = HttpApiBuilder.serve().pipe(
  Layer.provide(ApiLive),
  Layer.provideMerge(
    FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, retry: false }))
  ),
  Layer.provideMerge(NodeHttpServer.layerTest)
)

/** The typed client of our API, sending the token id as the gateway in front of the service would. */
const asCaller = (tokenId?: string) =>
  HttpApiClient.make(Api, {
    transformClient: HttpClient.mapRequest((request) =>
      tokenId === undefined ? request : HttpClientRequest.setHeader(request, tokenIdHeader, tokenId)
    )
  })

const workspace = fc.constantFrom("production", "staging", "research", "support-bot", "legal-search", "elsewhere")

describe("the guarded endpoint", () => {
  it.effect.prop(
    "answers 200 exactly for an unexpired token granted the workspace; 401 expired, else 403",
    [Arbitraries.realisticTokenMeta(TestNow.reference), workspace],
    ([token, name]) =>
      Effect.gen(function*() {
        // Without this the TestClock says 1970 and no token is expired.
        yield* TestNow.setTo(TestNow.reference)
        yield* (yield* FakeDeepsetApi.FakeDeepsetApi).seed(token)
        const client = yield* asCaller(token.api_token_id)
        const result = yield* Effect.either(client.workspaces.access({ path: { workspace: name } }))
        if (isExpiredAt(token, TestNow.reference)) {
          expect(result).toMatchObject({ _tag: "Left", left: { _tag: "TokenRejected", reason: "expired" } })
        } else if (!grantsWorkspace(token, name)) {
          expect(result).toMatchObject({ _tag: "Left", left: { _tag: "WorkspaceForbidden", workspace: name } })
        } else {
          expect(result).toMatchObject({
            _tag: "Right",
            right: { workspace: name, tokenName: token.name, role: token.organization_role }
          })
        }
      }).pipe(Effect.provide(TestServer)),
    { fastCheck: { numRuns: 25 } }
  )

  it.effect("a token valid now is rejected once the clock passes its expiry", () =>
    Effect.gen(function*() {
      const now = yield* TestNow.setToWallClock
      const token = fc.sample(
        Arbitraries.realisticTokenMeta(now).filter((t) =>
          t.all_workspaces && !isExpiredAt(t, now) && expiresWithin(t, Duration.days(30), now)
        ),
        1
      )[0]!
      yield* (yield* FakeDeepsetApi.FakeDeepsetApi).seed(token)
      const client = yield* asCaller(token.api_token_id)
      const access = client.workspaces.access({ path: { workspace: "production" } })
      expect((yield* access).tokenName).toBe(token.name)
      yield* TestNow.setTo(token.expires_at!)
      expect(yield* Effect.flip(access)).toMatchObject({ _tag: "TokenRejected", reason: "expired" })
    }).pipe(Effect.provide(TestServer)))

  it.effect.prop(
    "an id deepset does not know is a 401 unknown",
    [Arbitraries.apiTokenId],
    ([id]) =>
      Effect.gen(function*() {
        const client = yield* asCaller(id)
        const error = yield* Effect.flip(client.workspaces.access({ path: { workspace: "production" } }))
        expect(error).toMatchObject({ _tag: "TokenRejected", reason: "unknown" })
      }).pipe(Effect.provide(TestServer)),
    { fastCheck: { numRuns: 10 } }
  )

  it.effect.prop(
    "anything that is not a token id is a 401 malformed, and never reaches deepset",
    // Header values are visible ASCII; HTTP trims the rest.
    [Arbitraries.nonUuidString.filter((s) => /^[\x21-\x7e]+$/.test(s))],
    ([id]) =>
      Effect.gen(function*() {
        const client = yield* asCaller(id)
        const error = yield* Effect.flip(client.workspaces.access({ path: { workspace: "production" } }))
        expect(error).toMatchObject({ _tag: "TokenRejected", reason: "malformed" })
        expect(yield* (yield* FakeDeepsetApi.FakeDeepsetApi).requests).toEqual([])
      }).pipe(Effect.provide(TestServer)),
    { fastCheck: { numRuns: 15 } }
  )

  it.effect("no header is a 401 missing", () =>
    Effect.gen(function*() {
      const client = yield* asCaller()
      const error = yield* Effect.flip(client.workspaces.access({ path: { workspace: "production" } }))
      expect(error).toMatchObject({ _tag: "TokenRejected", reason: "missing" })
    }).pipe(Effect.provide(TestServer)))

  it.effect.prop(
    "when deepset fails or refuses our key, callers get a bare 503 and we get the details, never the key",
    [Arbitraries.apiTokenId, fc.constantFrom(401, 403, 429, 500, 502, 503)],
    ([id, status]) => {
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ logLevel, message }) => lines.push(`${logLevel.label} ${JSON.stringify(message)}`))
      )
      return Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        const key = Redacted.value(api.apiKey)
        yield* api.script(Fault.status(status, `{"detail":"bad key ${key}"}`, { "x-request-id": key }))
        const response = yield* HttpClient.get(`/workspaces/production/access`, { headers: { [tokenIdHeader]: id } })
        expect(response.status).toBe(503)
        const body = yield* response.text
        expect(JSON.parse(body)).toEqual({ _tag: "TokenCheckUnavailable" })
        expect(body).not.toContain(key)
        const logged = lines.filter((line) => line.includes("token check failed upstream"))
        expect(logged).toHaveLength(1)
        expect(logged[0]).toMatch(/^WARN .*"status":\d{3}/)
        expect(lines.join("\n")).not.toContain(key)
      }).pipe(Effect.provide(TestServer.pipe(Layer.provide(capture))))
    },
    { fastCheck: { numRuns: 10 } }
  )
})
