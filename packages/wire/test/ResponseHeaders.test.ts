/**
 * The headers an error carries: never the key, whatever a server echoes where; bounded; credentials redacted;
 * read for errors only.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  bodyOf,
  headerLimits,
  isCredentialHeader,
  makeScrub,
  outcomeOf,
  redactedValue,
  responseHeadersOf
} from "../src/index.js"

const key = "sk_live_0123456789abcdef"
const scrub = makeScrub(key)
const ctx = { maxBodyBytes: 1024, scrub }

const headerName = fc.oneof(
  fc.constantFrom(
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "www-authenticate",
    "x-api-key",
    "x-auth-token",
    "x-request-id",
    "x-ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
    "content-type",
    "__proto__",
    "constructor"
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,80}$/),
  fc.string({ maxLength: 10 }).map((s) => `x-${s}${key}`)
)
// Values that often hold the key: whole, as a bearer, mid-text, past the length cut, base64-free.
const headerValue = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constant(key),
  fc.constant(`Bearer ${key}`),
  fc.string({ maxLength: 300 }).map((s) => `${s}${key}`),
  fc.string({ maxLength: 20 }).map((s) => `${"x".repeat(headerLimits.valueLength - 3)}${key}${s}`)
)
const headerList = fc.array(fc.tuple(headerName, headerValue), { maxLength: 80 })

describe("responseHeadersOf", () => {
  it("never holds the key, in a name or a value, whatever is echoed where", () => {
    fc.assert(
      fc.property(headerList, fc.boolean(), (list, asRecord) => {
        const source = asRecord ? Object.fromEntries(list) : list
        const kept = responseHeadersOf(source, scrub)
        expect(JSON.stringify(kept)).not.toContain(key)
        for (const [name, value] of Object.entries(kept)) {
          expect(name).not.toContain(key)
          expect(value).not.toContain(key)
        }
      }),
      { numRuns: 500 }
    )
  })

  it("is bounded in count, name length and value length, and names are lowercase", () => {
    fc.assert(
      fc.property(headerList, (list) => {
        const kept = responseHeadersOf(list, scrub)
        const entries = Object.entries(kept)
        expect(entries.length).toBeLessThanOrEqual(headerLimits.count)
        for (const [name, value] of entries) {
          expect(name).toBe(name.toLowerCase())
          expect(name.length).toBeLessThanOrEqual(headerLimits.nameLength)
          expect(value.length).toBeLessThanOrEqual(headerLimits.valueLength + 1)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("keeps a clean value of a non-credential name as sent, and redacts every credential's", () => {
    fc.assert(
      fc.property(headerName, fc.string({ maxLength: headerLimits.valueLength }), (name, value) => {
        fc.pre(!name.includes(key) && name.length <= headerLimits.nameLength && name.length > 0)
        const kept = responseHeadersOf([[name, value]], scrub)
        const expected = isCredentialHeader(name) || value.includes(key) ? redactedValue : value
        expect(Object.getOwnPropertyDescriptor(kept, name)?.value).toBe(expected)
      }),
      { numRuns: 300 }
    )
  })

  it("redacts the usual credential headers and keeps rate-limit ones", () => {
    const kept = responseHeadersOf(
      {
        Authorization: "Basic dXNlcjpwYXNz",
        "Set-Cookie": "sid=1",
        "WWW-Authenticate": "Bearer realm=x",
        "X-Api-Key": "other",
        "X-RateLimit-Remaining": "0",
        "RateLimit-Reset": "30",
        "Retry-After": "30",
        "X-Echo": `Bearer ${key}`
      },
      scrub
    )
    expect(kept).toEqual({
      authorization: redactedValue,
      "set-cookie": redactedValue,
      "www-authenticate": redactedValue,
      "x-api-key": redactedValue,
      "x-ratelimit-remaining": "0",
      "ratelimit-reset": "30",
      "retry-after": "30",
      "x-echo": redactedValue
    })
  })

  it("keeps a __proto__ header as a plain entry, and joins repeated names", () => {
    const kept = responseHeadersOf([["__proto__", "a"], ["x-a", "1"], ["x-a", "2"], ["x-b", "1"], ["x-b", key]], scrub)
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(kept, "__proto__")?.value).toBe("a")
    expect(kept["x-a"]).toBe("1, 2")
    expect(kept["x-b"]).toBe(redactedValue)
  })

  it("reads fetch's Headers", () => {
    const headers = new Headers({ "X-RateLimit-Limit": "100", Cookie: "a=b" })
    expect(responseHeadersOf(headers, scrub)).toEqual({ "x-ratelimit-limit": "100", cookie: redactedValue })
  })
})

describe("outcomeOf with every header", () => {
  it("an error outcome carries them, a success does not read them", () => {
    let read = 0
    const entries: Iterable<readonly [string, string]> = {
      *[Symbol.iterator]() {
        read++
        yield ["x-ratelimit-remaining", "0"] as const
      }
    }
    const limited = outcomeOf(429, () => undefined, bodyOf(""), ctx, () => 0, entries)
    expect(limited).toMatchObject({ _tag: "RateLimited", headers: { "x-ratelimit-remaining": "0" } })
    expect(read).toBe(1)
    const ok = outcomeOf(200, () => undefined, bodyOf("{}"), ctx, () => 0, entries)
    expect(ok).toEqual({ _tag: "Success", status: 200, json: {} })
    expect(read).toBe(1)
  })
})
