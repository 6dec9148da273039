import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { regions, resolveBaseUrl } from "../src/index.js"

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/)
const publicHost = fc.tuple(label, fc.constantFrom("com", "ai", "io", "example")).map(([name, tld]) => `${name}.${tld}`)
const loopback = fc.oneof(
  fc.constantFrom("localhost", "[::1]"),
  label.map((name) => `${name}.localhost`),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`)
)
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })
const segments = fc.array(label, { maxLength: 3 })
const slashes = fc.constantFrom("", "/", "//")
const apiV1 = fc.constantFrom("", "/api/v1", "/API/V1", "/api/v1/")

const origin = (scheme: string, host: string, p: number | undefined) => {
  const url = new URL(`${scheme}://${host}${p === undefined ? "" : `:${p}`}`)
  return url.origin
}

describe("resolveBaseUrl", () => {
  it("is the origin plus path prefix, without trailing slashes or a pasted /api/v1", () => {
    fc.assert(fc.property(publicHost, port, segments, apiV1, slashes, (host, p, path, api, tail) => {
      const prefix = path.map((s) => `/${s}`).join("")
      const raw = `https://${host}${p === undefined ? "" : `:${p}`}${prefix}${api}${tail}`
      expect(resolveBaseUrl({ baseUrl: raw })).toEqual({
        _tag: "Resolved",
        baseUrl: `${origin("https", host, p)}${prefix}`
      })
      expect(resolveBaseUrl({ baseUrl: new URL(raw) })).toEqual(resolveBaseUrl({ baseUrl: raw }))
    }))
  })

  it("sends the key over plain http only to loopback, or when allowed", () => {
    fc.assert(fc.property(loopback, publicHost, port, (local, remote, p) => {
      const at = (host: string) => `http://${host}${p === undefined ? "" : `:${p}`}`
      expect(resolveBaseUrl({ baseUrl: at(local) })._tag).toBe("Resolved")
      const refused = resolveBaseUrl({ baseUrl: at(remote) })
      expect(refused).toMatchObject({ _tag: "Invalid", field: "baseUrl" })
      expect(refused._tag === "Invalid" && refused.reason).toContain("unencrypted")
      expect(resolveBaseUrl({ baseUrl: at(remote), allowInsecureHttp: true })._tag).toBe("Resolved")
    }))
  })

  it("refuses credentials, a query, a fragment, other schemes and relative URLs, naming baseUrl", () => {
    fc.assert(fc.property(
      publicHost,
      fc.constantFrom(
        "https://user:pass@{h}",
        "https://user@{h}",
        "https://{h}/?a=1",
        "https://{h}/#x",
        "ftp://{h}",
        "/{h}",
        "{h}"
      ),
      (host, shape) => {
        expect(resolveBaseUrl({ baseUrl: shape.replace("{h}", host) })).toMatchObject({
          _tag: "Invalid",
          field: "baseUrl"
        })
      }
    ))
  })

  it("maps a region to its origin, defaults to eu, and refuses a region with a baseUrl or an unknown one", () => {
    expect(resolveBaseUrl({})).toEqual({ _tag: "Resolved", baseUrl: regions.eu })
    expect(resolveBaseUrl({ region: "us" })).toEqual({ _tag: "Resolved", baseUrl: regions.us })
    expect(resolveBaseUrl({ region: "eu", baseUrl: regions.us })).toMatchObject({ _tag: "Invalid", field: "region" })
    fc.assert(fc.property(fc.string().filter((r) => r !== "eu" && r !== "us"), (region) => {
      expect(resolveBaseUrl({ region: region as "eu" })).toMatchObject({ _tag: "Invalid", field: "region" })
    }))
  })
})
