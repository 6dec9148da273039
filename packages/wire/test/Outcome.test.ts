import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Body, bodyOf, brokenWith, makeScrub, type Outcome, outcomeOf, tooLarge } from "../src/index.js"

const key = "sk_live_0123456789abcdef"
const scrub = makeScrub(key)
const ctx = { maxBodyBytes: 1024, scrub }

// Server text that often carries the key, so every path that copies text into an outcome is exercised.
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ maxLength: 40 }).map((s) => `${s}${key}${s}`),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constant(JSON.stringify({ detail: [{ loc: ["path", "id"], msg: key, type: "value_error" }] }))
)
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: text.map(bodyOf) },
  { weight: 1, arbitrary: fc.constant(tooLarge) },
  { weight: 1, arbitrary: text.map(brokenWith) }
)
const headerValues = fc.record({
  "content-type": fc.constantFrom("application/json", "application/problem+json", "text/html", "text/plain"),
  "x-request-id": fc.oneof(text, fc.constant("")),
  "retry-after": fc.constantFrom("0", "3", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"),
  "retry-after-ms": fc.constantFrom("250", "1.5", "-1")
}, { requiredKeys: [] })
const status = fc.integer({ min: 100, max: 599 })

const expectedTag = (code: number): Outcome["_tag"] | "2xx" =>
  code >= 200 && code < 300
    ? "2xx"
    : code === 401
    ? "Unauthorized"
    : code === 403
    ? "Forbidden"
    : code === 404
    ? "TokenNotFound"
    : code === 422
    ? "ValidationFailed"
    : code === 429
    ? "RateLimited"
    : code >= 500
    ? "ServerError"
    : "UnexpectedStatus"

describe("outcomeOf", () => {
  it("maps every status, header set and body to exactly the outcome its status names, never throwing", () => {
    fc.assert(fc.property(status, headerValues, body, (code, values, read) => {
      let clockReads = 0
      const outcome = outcomeOf(code, (name) => (values as Record<string, string>)[name], read, ctx, () => {
        clockReads++
        return 0
      })
      const tag = expectedTag(code)
      if (tag === "2xx") expect(["Success", "MalformedResponse", "TransportError"]).toContain(outcome._tag)
      else expect(outcome._tag).toBe(tag)
      // The clock is read only to resolve a Retry-After date.
      expect(clockReads).toBe(tag === "RateLimited" || tag === "ServerError" ? 1 : 0)
    }))
  })

  it("never lets the key into an outcome's text; only the parsed JSON is the server's own", () => {
    fc.assert(fc.property(status, headerValues, body, (code, values, read) => {
      const outcome = outcomeOf(code, (name) => (values as Record<string, string>)[name], read, ctx, () => 0)
      const { json: _, ...rest } = outcome as Outcome & { json?: unknown }
      expect(JSON.stringify(rest)).not.toContain(key)
    }))
  })

  it("gives a 2xx body the first problem it has: broken, over the cap, not JSON by type, empty, invalid", () => {
    const at = (read: Body, type?: string) =>
      outcomeOf(200, (name) => name === "content-type" ? type : undefined, read, ctx, () => 0)
    fc.assert(fc.property(text, (reason) => {
      expect(at(brokenWith(reason))).toMatchObject({ _tag: "TransportError" })
      expect(at(tooLarge)).toMatchObject({
        _tag: "MalformedResponse",
        issue: "the body is larger than the 1024-byte cap"
      })
      expect(at(bodyOf("{}"), "text/html")).toMatchObject({ _tag: "MalformedResponse", path: "" })
    }))
    fc.assert(fc.property(fc.stringMatching(/^\s*$/), (blank) => {
      expect(at(bodyOf(blank))).toMatchObject({ _tag: "MalformedResponse", issue: "the body is empty" })
    }))
    expect(at(bodyOf("{"))).toMatchObject({ _tag: "MalformedResponse", issue: expect.stringMatching(/^invalid JSON/) })
  })

  it("hands a 2xx JSON body over parsed, with or without a JSON content type", () => {
    fc.assert(fc.property(
      fc.jsonValue(),
      fc.constantFrom(undefined, "application/json", "application/vnd.api+JSON; charset=utf-8"),
      (value, type) => {
        const outcome = outcomeOf(
          201,
          (name) => name === "content-type" ? type : undefined,
          bodyOf(JSON.stringify(value)),
          ctx,
          () => 0
        )
        expect(outcome).toEqual({ _tag: "Success", status: 201, json: JSON.parse(JSON.stringify(value)) })
      }
    ))
  })

  it("reads a 422's body as JSON when it is, and carries the Retry-After of a 429 or 5xx in milliseconds", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const outcome = outcomeOf(422, () => undefined, bodyOf(JSON.stringify(value)), ctx, () => 0)
      expect(outcome).toMatchObject({ _tag: "ValidationFailed", json: JSON.parse(JSON.stringify(value)) })
    }))
    expect(outcomeOf(422, () => undefined, bodyOf("<html>"), ctx, () => 0)).toMatchObject({
      _tag: "ValidationFailed",
      json: undefined,
      bodyExcerpt: "<html>"
    })
    fc.assert(fc.property(fc.constantFrom(429, 500, 503, 599), fc.nat(1000), (code, seconds) => {
      const header = (name: string) => name === "retry-after" ? String(seconds) : undefined
      expect(outcomeOf(code, header, bodyOf(""), ctx, () => 0)).toMatchObject({ retryAfterMillis: seconds * 1000 })
    }))
  })

  it("bounds the request id to 128 characters and treats an empty one as absent", () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 400 }), (id) => {
      const outcome = outcomeOf(404, (name) => name === "x-request-id" ? id : undefined, bodyOf(""), ctx, () => 0)
      const expected = scrub(id).length > 128 ? `${scrub(id).slice(0, 128)}…` : scrub(id)
      expect(outcome).toEqual({ _tag: "TokenNotFound", status: 404, requestId: expected, headers: {} })
    }))
    expect(outcomeOf(401, (name) => name === "x-request-id" ? "" : undefined, bodyOf(""), ctx, () => 0)).toEqual({
      _tag: "Unauthorized",
      status: 401,
      requestId: undefined,
      headers: {}
    })
  })
})
