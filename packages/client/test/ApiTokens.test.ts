import { ApiTokens, ApiTokensError, TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, FastCheck as fc, Layer, Redacted, Schema } from "effect"
import { readFileSync } from "node:fs"
import { version } from "../src/internal/version.js"
import { apiKeyText, fakeClient } from "./fixtures.js"

const tokenEquivalence = Schema.equivalence(TokenMeta)
const encodeToken = Schema.encodeSync(TokenMeta)

const retrieve = (id: string) => Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id))

describe("ApiTokens.retrieve on the fake", () => {
  it.effect.prop("gives back exactly what was seeded", [Arbitraries.tokenMeta], ([token]) =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.seed(token)
      const got = yield* retrieve(token.api_token_id)
      expect(tokenEquivalence(got, token)).toBe(true)
      const [request] = yield* api.requests
      expect(request?.method).toBe("GET")
      expect(request?.url).toBe(`https://api.cloud.deepset.ai/api/v1/token/${token.api_token_id}`)
      expect(request?.auth).toBe("valid")
    }).pipe(Effect.provide(fakeClient())))

  it.effect("sends the id in lowercase, with bearer, accept and user-agent headers", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 7 })[0]!
      yield* api.seed(token)
      const got = yield* retrieve(token.api_token_id.toUpperCase())
      expect(got.api_token_id).toBe(token.api_token_id)
      const [request] = yield* api.requests
      expect(request?.url.endsWith(`/api/v1/token/${token.api_token_id}`)).toBe(true)
      expect(request?.headers["authorization"]).toBe(`Bearer ${apiKeyText}`)
      expect(request?.headers["accept"]).toBe("application/json")
      expect(request?.headers["user-agent"]).toBe(`deepset-tokens/${version} (@deepset-tokens/client)`)
      expect(ApiTokens.userAgent).toBe(request?.headers["user-agent"])
    }).pipe(Effect.provide(fakeClient())))

  it.effect.prop(
    "a non-UUID id fails with InvalidTokenId and sends nothing",
    [Arbitraries.nonUuidString],
    ([input]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        const error = yield* Effect.flip(retrieve(input))
        expect(error._tag).toBe("InvalidTokenId")
        expect(error.message.length).toBeLessThan(400)
        expect(yield* api.requests).toHaveLength(0)
      }).pipe(Effect.provide(fakeClient()))
  )

  it.effect("an unknown id is TokenNotFound carrying the id and request id", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(retrieve("3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
      expect(error._tag).toBe("TokenNotFound")
      if (error._tag !== "TokenNotFound") return
      expect(error.id).toBe("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
      expect(error.requestId._tag).toBe("Some")
      expect(error.message).toContain("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    }).pipe(Effect.provide(fakeClient())))

  it.effect("a wrong key is Unauthorized", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
      expect(error._tag).toBe("Unauthorized")
    }).pipe(
      Effect.provide(
        ApiTokens.layer({ apiKey: Redacted.make("api_wrong") }).pipe(Layer.provideMerge(FakeDeepsetApi.layer()))
      )
    ))

  it.effect("a 422 keeps FastAPI's detail items", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(422, {
        detail: [{ loc: ["path", "api_token_id"], msg: "Input should be a valid UUID", type: "uuid_parsing" }]
      }))
      const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
      expect(error._tag).toBe("ValidationFailed")
      if (error._tag !== "ValidationFailed") return
      expect(error.detail).toEqual([{
        loc: ["path", "api_token_id"],
        msg: "Input should be a valid UUID",
        type: "uuid_parsing"
      }])
      expect(error.message).toContain("path.api_token_id: Input should be a valid UUID")
    }).pipe(Effect.provide(fakeClient())))

  it.effect("a 422 with an undocumented body is still ValidationFailed", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.status(422, "<html>nope</html>", { "content-type": "text/html" }))
      const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
      expect(error).toMatchObject({ _tag: "ValidationFailed", detail: [], bodyExcerpt: "<html>nope</html>" })
    }).pipe(Effect.provide(fakeClient())))

  it.effect("malformed 200 bodies name the field", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      const token = fc.sample(Arbitraries.tokenMeta, { numRuns: 1, seed: 3 })[0]!
      const wire = JSON.parse(JSON.stringify(encodeToken(token)))
      const cases: ReadonlyArray<readonly [Fault.Fault, string, string]> = [
        [Fault.status(200, { ...wire, workspaces: [{ name: 1 }] }), "workspaces[0].name", "Expected string"],
        [Fault.status(200, { ...wire, expires_at: "soon" }), "expires_at", "ISO 8601"],
        [Fault.status(200, "{not json", { "content-type": "application/json" }), "", "invalid JSON"],
        [Fault.status(200, "", { "content-type": "application/json" }), "", "empty"],
        [Fault.status(200, "<html>proxy</html>", { "content-type": "text/html" }), "", "text/html"],
        [Fault.status(200, "ok", { "content-type": "text/plain" }), "", "text/plain"]
      ]
      for (const [fault, path, issue] of cases) {
        yield* api.script(fault)
        const error = yield* Effect.flip(retrieve(token.api_token_id))
        expect(error).toMatchObject({ _tag: "MalformedResponse", status: 200, path })
        if (error._tag === "MalformedResponse") expect(error.issue).toContain(issue)
      }
    }).pipe(Effect.provide(fakeClient({ retry: false }))))

  it.effect("a body over the cap is MalformedResponse, whether or not Content-Length says so", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(
        Fault.status(200, "x".repeat(5000), { "content-type": "application/json" }),
        Fault.status(200, "y".repeat(5000), { "content-type": "application/json", "content-length": "5000" })
      )
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
        expect(error).toMatchObject({ _tag: "MalformedResponse", path: "" })
        if (error._tag === "MalformedResponse") expect(error.issue).toContain("1024-byte cap")
      }
    }).pipe(Effect.provide(fakeClient({ maxBodyBytes: 1024 }))))

  it.effect("a body that breaks mid-way is a TransportError on 2xx, and keeps its status otherwise", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(
        Fault.BrokenBody({ status: 200, prefix: "{\"name\":", headers: { "content-type": "application/json" } }),
        Fault.BrokenBody({ status: 503, prefix: "Service", headers: {} })
      )
      expect((yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301")))._tag).toBe("TransportError")
      expect(yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))).toMatchObject({
        _tag: "ServerError",
        status: 503
      })
    }).pipe(Effect.provide(fakeClient({ retry: false }))))

  it.effect("a dead network is a TransportError with the cause's message", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.disconnect("getaddrinfo ENOTFOUND api.cloud.deepset.ai"))
      const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
      expect(error).toMatchObject({ _tag: "TransportError" })
      expect(error.message).toContain("ENOTFOUND")
    }).pipe(Effect.provide(fakeClient({ retry: false }))))
})

/** What the status alone implies, for a body that is not a valid TokenMeta. */
const expectedTag = (status: number): ApiTokensError["_tag"] => {
  if (status >= 200 && status < 300) return "MalformedResponse"
  if (status === 401) return "Unauthorized"
  if (status === 403) return "Forbidden"
  if (status === 404) return "TokenNotFound"
  if (status === 422) return "ValidationFailed"
  if (status === 429) return "RateLimited"
  if (status >= 500) return "ServerError"
  return "UnexpectedStatus"
}

const body = (token: TokenMeta) =>
  fc.oneof(
    fc.constant({ valid: true, text: JSON.stringify(encodeToken(token)) }),
    fc.string().map((text) => ({ valid: false, text })),
    fc.json().filter((text) => Either.isLeft(Schema.decodeUnknownEither(TokenMeta)(JSON.parse(text)))).map((
      text
    ) => ({ valid: false, text })),
    fc.constant({ valid: false, text: JSON.stringify({ ...encodeToken(token), personal: "yes" }) })
  )

describe("status x body mapping is total", () => {
  it.effect.prop(
    "success exactly for a 2xx with a valid body, else the member the status implies",
    [
      fc.integer({ min: 100, max: 599 }),
      Arbitraries.tokenMeta.chain((token) => body(token).map((b) => ({ token, ...b }))),
      fc.constantFrom("application/json", "application/json; charset=utf-8", undefined)
    ],
    ([status, { text, token, valid }, contentType]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(Fault.status(status, text, contentType === undefined ? {} : { "content-type": contentType }))
        const exit = yield* Effect.exit(retrieve(token.api_token_id))
        if (status >= 200 && status < 300 && valid) {
          expect(Exit.isSuccess(exit)).toBe(true)
        } else {
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isFailure(exit)) {
            // A typed failure, never a defect or an interruption.
            expect(exit.cause._tag).toBe("Fail")
            const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
            expect(error?._tag).toBe(expectedTag(status))
            expect(Schema.is(ApiTokensError)(error)).toBe(true)
          }
        }
      }).pipe(Effect.provide(fakeClient({ retry: false }))),
    { fastCheck: { numRuns: 300 } }
  )
})

describe("the API key never leaks", () => {
  const renderings = (error: unknown): ReadonlyArray<string> => [
    String(error),
    (error as Error).message,
    JSON.stringify(error),
    (error as { toString(): string }).toString(),
    Either.getOrElse(
      Schema.encodeEither(ApiTokensError)(error as ApiTokensError).pipe(Either.map((e) => JSON.stringify(e))),
      () => ""
    ),
    Exit.fail(error).toString()
  ]

  it.effect.prop(
    "from any scripted answer that echoes it",
    [
      fc.integer({ min: 100, max: 599 }),
      fc.constantFrom(
        (k: string) => k,
        (k: string) => `Bearer ${k}`,
        (k: string) =>
          JSON.stringify({ detail: [{ loc: ["header", k], msg: `bad ${k}`, type: k, input: k, ctx: { k } }] }),
        (k: string) => JSON.stringify({ name: k, masked_token: k }),
        (k: string) => `${"x".repeat(505)}${k}`
      ),
      fc.boolean()
    ],
    ([status, echo, inRequestId]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        yield* api.script(
          Fault.status(status, echo(apiKeyText), {
            "content-type": "application/json",
            ...(inRequestId ? { "x-request-id": apiKeyText } : {}),
            "retry-after": "1"
          })
        )
        const exit = yield* Effect.exit(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
        if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
          for (const text of renderings(exit.cause.error)) expect(text).not.toContain(apiKeyText)
        }
      }).pipe(Effect.provide(fakeClient({ retry: false }))),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect.prop(
    "from any header that echoes it, in its value or its name, on any error status",
    [
      fc.constantFrom(401, 403, 404, 409, 422, 429, 500, 503, 302, 200),
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom("authorization", "set-cookie", "www-authenticate", "x-api-key", "x-ratelimit-remaining"),
            fc.stringMatching(/^x-[a-z]{1,12}$/),
            fc.constant(`x-echo-${apiKeyText}`)
          ),
          fc.oneof(
            fc.constant(apiKeyText),
            fc.constant(`Bearer ${apiKeyText}`),
            fc.stringMatching(/^[ -~]{0,300}$/).map((s) => `${s}${apiKeyText}`),
            fc.stringMatching(/^[!-~]{0,40}$/)
          )
        ),
        { maxLength: 8 }
      )
    ],
    ([status, echoed]) =>
      Effect.gen(function*() {
        const api = yield* FakeDeepsetApi.FakeDeepsetApi
        // A 200 with a body that is not a TokenMeta: a MalformedResponse, which carries headers too.
        yield* api.script(
          Fault.status(status, "{}", { ...Object.fromEntries(echoed), "content-type": "application/json" })
        )
        const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
        expect("headers" in error).toBe(true)
        for (const text of renderings(error)) expect(text).not.toContain(apiKeyText)
      }).pipe(Effect.provide(fakeClient({ retry: false }))),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("when the key is passed as the token id", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(retrieve(apiKeyText))
      expect(error._tag).toBe("InvalidTokenId")
      for (const text of renderings(error)) expect(text).not.toContain(apiKeyText)
    }).pipe(Effect.provide(fakeClient())))

  it.effect("from a transport failure that mentions it", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.FakeDeepsetApi
      yield* api.script(Fault.disconnect(`proxy said: Authorization: Bearer ${apiKeyText}`))
      const error = yield* Effect.flip(retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
      for (const text of renderings(error)) expect(text).not.toContain(apiKeyText)
    }).pipe(Effect.provide(fakeClient({ retry: false }))))
})

describe("package metadata", () => {
  it("the User-Agent version is the package's", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(version).toBe(pkg.version)
  })
})
