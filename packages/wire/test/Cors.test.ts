import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { corsExposedHeaders, corsHeaders, corsOf, preflightHeaders } from "../src/index.js"

const origin = fc.option(fc.webUrl().map((u) => new URL(u).origin), { nil: undefined })
const names = fc.array(fc.stringMatching(/^[a-z][a-z-]{0,20}$/), { maxLength: 4 })

describe("Cors", () => {
  it("is off unless asked for", () => {
    expect(corsOf(undefined)).toBeUndefined()
    expect(corsOf(false)).toBeUndefined()
    expect(corsOf(true)).toEqual({})
  })

  it("allows the configured origin, else the request's, else any; exposes what ApiTokens reads by default", () =>
    fc.assert(fc.property(origin, origin, (configured, requesting) => {
      const headers = corsHeaders({ origin: configured }, requesting)
      expect(headers["access-control-allow-origin"]).toBe(configured ?? requesting ?? "*")
      expect(headers["access-control-expose-headers"]).toBe(corsExposedHeaders.join(", "))
      expect(corsExposedHeaders).toEqual(expect.arrayContaining(["retry-after", "x-request-id"]))
    })))

  it("a preflight allows GET with exactly the headers the page asked for", () =>
    fc.assert(fc.property(origin, names, fc.option(fc.string(), { nil: undefined }), (requesting, expose, asked) => {
      const headers = preflightHeaders({ exposeHeaders: expose }, requesting, asked)
      expect(headers["access-control-allow-methods"]).toBe("GET")
      expect(headers["access-control-allow-headers"]).toBe(asked ?? "authorization, accept")
      expect(headers["access-control-expose-headers"]).toBe(expose.join(", "))
    })))
})
