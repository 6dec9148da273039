import { TokenMeta } from "@deepset-tokens/domain"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Context, Effect, Layer, type ParseResult } from "effect"
import { Arbitraries, FakeDeepsetApi } from "../src/index.js"

/**
 * Stands in for `ApiTokens` (this package cannot depend on the client): a service built from whatever
 * `HttpClient` its layer is given, which asks the deepset API for a token.
 */
class Lookup extends Context.Tag("test/Lookup")<Lookup, {
  readonly name: (id: string) => Effect.Effect<string, unknown>
}>() {}

const LookupLive = Layer.effect(
  Lookup,
  Effect.map(HttpClient.HttpClient, (client) => ({
    name: (id: string) =>
      client.get(`https://api.cloud.deepset.ai/api/v1/token/${id}`, {
        headers: { authorization: `Bearer ${"api_fake_0123456789abcdef"}` }
      }).pipe(
        Effect.flatMap(HttpClientResponse.schemaBodyJson(TokenMeta)),
        Effect.map((meta) => meta.name)
      )
  }))
)

// A route that itself uses Lookup, so a request crosses both clients: the test's, then the fake's.
const App = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/name/:id",
    Effect.gen(function*() {
      const { id } = yield* HttpRouter.params
      const name = yield* Effect.flatMap(Lookup, (lookup) => lookup.name(id ?? ""))
      return HttpServerResponse.text(name)
    }).pipe(Effect.orElseSucceed(() => HttpServerResponse.text("lookup failed", { status: 502 })))
  )
)

describe("FakeDeepsetApi.layerFor", () => {
  it("outputs the built service and the fake, never the fake's HttpClient", () => {
    const built = FakeDeepsetApi.layerFor(LookupLive)
    expectTypeOf(built).toEqualTypeOf<Layer.Layer<Lookup | FakeDeepsetApi.FakeDeepsetApi, ParseResult.ParseError>>()
  })

  it.effect.prop(
    "under NodeHttpServer.layerTest the test's own HttpClient still reaches the test server",
    [Arbitraries.realisticTokenMeta()],
    ([token]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.seed(token)
        // The test's client: NodeHttpServer.layerTest's, prefixed with the server's URL.
        const response = yield* HttpClient.get(`/name/${token.api_token_id}`)
        expect(response.status).toBe(200)
        expect(yield* response.text).toBe(token.name)
        // The route's lookup went to the fake, through the client layerFor kept inside.
        expect((yield* api.requests).map((r) => r.auth)).toEqual(["valid"])
      }).pipe(
        Effect.provide(
          HttpServer.serve(App).pipe(
            Layer.provideMerge(FakeDeepsetApi.layerFor(LookupLive)),
            Layer.provideMerge(NodeHttpServer.layerTest)
          )
        )
      ),
    { fastCheck: { numRuns: 5 } }
  )

  it.effect("for contrast: FakeDeepsetApi.layer merged after layerTest replaces the test's client", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(HttpClient.get("/name/anything"))
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("InvalidUrl")
    }).pipe(
      Effect.provide(
        HttpServer.serve(App).pipe(
          Layer.provide(FakeDeepsetApi.layerFor(LookupLive)),
          Layer.provideMerge(Layer.merge(NodeHttpServer.layerTest, FakeDeepsetApi.layer()))
        )
      )
    ))
})
