/**
 * The response headers an HTTP-derived error carries, on the fake (the platform pipeline) and over a real
 * socket on both lean transports and on a client derived from each: the rate-limit headers of a 429 are there, and the key never is.
 */
import { ApiTokens, type ApiTokensConfigError, ApiTokensError } from "@deepset-tokens/client"
import { FakeDeepsetApi, Fault, FaultServer } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, FastCheck as fc, Layer, Option, Redacted, Schema } from "effect"
import { fakeClient } from "./fixtures.js"
import { leanTransports } from "./transports.js"

const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
const retrieve = Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id))

const rateLimitHeaders = {
  "x-ratelimit-limit": "100",
  "x-ratelimit-remaining": "0",
  "x-ratelimit-reset": "30",
  "retry-after": "120"
}

const renderings = (error: ApiTokensError | ApiTokensConfigError): ReadonlyArray<string> => [
  String(error),
  error.message,
  JSON.stringify(error),
  error._tag === "ApiTokensConfigError" ? "" : Either.getOrElse(
    Schema.encodeEither(ApiTokensError)(error).pipe(Either.map((e) => JSON.stringify(e))),
    () => ""
  ),
  Exit.fail(error).toString()
]

describe("response headers on the fake", () => {
  it.effect("a 429 carries its rate-limit headers, lowercase, through the errors' schema", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(429, "", { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30" }))
      const error = yield* Effect.flip(retrieve)
      expect(error._tag).toBe("RateLimited")
      const headers = error._tag === "RateLimited" ? error.headers : {}
      expect(headers).toMatchObject({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" })
      const sent = Schema.decodeUnknownSync(ApiTokensError)(Schema.encodeSync(ApiTokensError)(error))
      expect(sent).toMatchObject({ _tag: "RateLimited", headers })
    }).pipe(Effect.provide(fakeClient({ retry: false }))))

  it("an error decoded without headers (from an older sender) has none", () => {
    const decoded = Schema.decodeUnknownSync(ApiTokensError)({
      _tag: "Forbidden",
      status: 403,
      requestId: Option.none()
    })
    expect(decoded).toMatchObject({ _tag: "Forbidden", headers: {} })
  })
})

const keyText = "api_headers_key_9b2c"
const apiKey = Redacted.make(keyText)

describe.each(leanTransports)("response headers over a real socket, %s", (_, transport) => {
  const client = (url: string) => ApiTokens.layer({ apiKey, baseUrl: url, retry: false }).pipe(Layer.provide(transport))

  it.scopedLive("a 429 carries its rate-limit headers", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Respond({ status: 429, headers: rateLimitHeaders }))
      const error = yield* Effect.flip(retrieve.pipe(Effect.provide(client(server.url))))
      expect(error).toMatchObject({ _tag: "RateLimited", headers: rateLimitHeaders })
    }))

  it.scopedLive("an error bounds the headers it keeps, in count and length", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      // Small enough for the transports' own header limits (undici: 16 KiB), over ours.
      const many = Object.fromEntries(
        Array.from({ length: 80 }, (_, i) => [`x-h${i}`, i < 5 ? "v".repeat(400) : "v"])
      )
      yield* server.script(FaultServer.Behavior.Respond({ status: 503, headers: many }))
      const error = yield* Effect.flip(retrieve.pipe(Effect.provide(client(server.url))))
      const headers = error._tag === "ServerError" ? error.headers : undefined
      expect(headers).toBeDefined()
      const entries = Object.entries(headers ?? {})
      expect(entries.length).toBeLessThanOrEqual(50)
      for (const [, value] of entries) expect(value.length).toBeLessThanOrEqual(257)
      expect(headers?.["x-h0"]).toBe(`${"v".repeat(256)}…`)
    }))

  it.scopedLive.prop(
    "a server echoing the key in any header never leaks it",
    [
      fc.constantFrom(401, 403, 404, 422, 429, 503, 302, 200),
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom("authorization", "set-cookie", "www-authenticate", "x-api-key", "x-ratelimit-remaining"),
            fc.stringMatching(/^x-[a-z]{1,12}$/),
            fc.constant(`x-echo-${keyText}`)
          ),
          fc.oneof(
            fc.constant(keyText),
            fc.constant(`Bearer ${keyText}`),
            fc.stringMatching(/^[!-~]{0,300}$/).map((s) => `${s}${keyText}`),
            fc.stringMatching(/^[!-~]{0,40}$/)
          )
        ),
        { minLength: 1, maxLength: 8 }
      )
    ],
    ([status, echoed]) =>
      Effect.gen(function*() {
        const server = yield* FaultServer.make
        yield* server.script(
          FaultServer.Behavior.Respond({
            status,
            headers: { ...Object.fromEntries(echoed), "content-type": "application/json" },
            body: "{}"
          })
        )
        const error = yield* Effect.flip(retrieve.pipe(Effect.provide(client(server.url))))
        expect("headers" in error).toBe(true)
        for (const text of renderings(error)) expect(text).not.toContain(keyText)
      }),
    { fastCheck: { numRuns: 40 } }
  )
})
