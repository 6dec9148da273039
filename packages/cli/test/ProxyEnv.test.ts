/**
 * The proxy rules of `get` on their own: which variable wins, what NO_PROXY matches, and that a proxy URL's
 * credentials never show in what may be printed.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { ProxyEnv } from "../src/index.js"

const none = { proxy: undefined, noProxy: false }
const https = new URL("https://api.cloud.deepset.ai/api/v1/token/x")
const http = new URL("http://127.0.0.1:4010/api/v1/token/x")

const shown = (route: ProxyEnv.Route) =>
  route._tag === "Proxy" ? `${route.source} ${route.proxy.display}` : route._tag === "Invalid" ? route.reason : ""

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/)
const domain = fc.tuple(label, fc.constantFrom("com", "io", "internal", "corp")).map(([l, tld]) => `${l}.${tld}`)
const byte = fc.integer({ min: 0, max: 255 })
const v4 = fc.tuple(byte, byte, byte, byte)
const secret = fc.stringMatching(/^[A-Za-z0-9]{6,16}$/)

describe("ProxyEnv.route", () => {
  it("takes the scheme's variable, lower case first, then ALL_PROXY; empty counts as unset", () => {
    const route = (target: URL, env: ProxyEnv.Env) => shown(ProxyEnv.route(target, env, none))
    expect(route(https, { https_proxy: "http://a:1", HTTPS_PROXY: "http://b:2" })).toBe("https_proxy http://a:1")
    expect(route(https, { https_proxy: " ", HTTPS_PROXY: "http://b:2" })).toBe("HTTPS_PROXY http://b:2")
    expect(route(https, { http_proxy: "http://a:1" })).toBe("")
    expect(route(https, { ALL_PROXY: "http://c:3" })).toBe("ALL_PROXY http://c:3")
    expect(route(https, { all_proxy: "http://d:4", ALL_PROXY: "http://c:3" })).toBe("all_proxy http://d:4")
    expect(route(http, { http_proxy: "http://a:1", HTTP_PROXY: "http://b:2" })).toBe("http_proxy http://a:1")
    expect(route(http, { HTTP_PROXY: "http://b:2" })).toBe("HTTP_PROXY http://b:2")
    // httpoxy: under CGI, HTTP_PROXY may be a request header; curl never reads it.
    expect(route(http, { HTTP_PROXY: "http://b:2", REQUEST_METHOD: "GET" })).toBe("")
    expect(route(http, { https_proxy: "http://a:1" })).toBe("")
  })

  it("--proxy replaces the variables, NO_PROXY still applies; --no-proxy ignores them all", () => {
    const env = { HTTPS_PROXY: "http://env:1", NO_PROXY: "deepset.ai" }
    expect(shown(ProxyEnv.route(https, { HTTPS_PROXY: "http://env:1" }, { proxy: "flag:2", noProxy: false }))).toBe(
      "--proxy http://flag:2"
    )
    expect(ProxyEnv.route(https, env, { proxy: "flag:2", noProxy: false })._tag).toBe("Direct")
    expect(ProxyEnv.route(https, { HTTPS_PROXY: "http://env:1" }, { proxy: undefined, noProxy: true })._tag).toBe(
      "Direct"
    )
  })

  it.prop("--no-proxy or NO_PROXY=* always goes direct", [fc.dictionary(fc.string(), fc.string())], ([env]) => {
    expect(ProxyEnv.route(https, { ...env, HTTPS_PROXY: "http://p:1" }, { proxy: undefined, noProxy: true })._tag)
      .toBe("Direct")
    expect(ProxyEnv.route(https, { HTTPS_PROXY: "http://p:1", NO_PROXY: " * " }, none)._tag).toBe("Direct")
  })

  it.prop("a bad variable is Invalid, named, and never quoted", [secret, secret], ([user, password]) => {
    for (const value of [`socks5://${user}:${password}@p:1`, `http://${user}:%zz${password}@p:1`]) {
      const route = ProxyEnv.route(https, { HTTPS_PROXY: value }, none)
      expect(route).toMatchObject({ _tag: "Invalid", source: "HTTPS_PROXY" })
      expect(shown(route)).not.toContain(password)
      expect(shown(route)).not.toContain(user)
    }
  })
})

describe("ProxyEnv.parseProxy", () => {
  it("reads a URL as curl does: http:// by default, port 1080 by default, only http proxies", () => {
    expect(ProxyEnv.parseProxy("proxy.corp")).toEqual({
      proxy: { host: "proxy.corp", port: 1080, display: "http://proxy.corp:1080", authorization: undefined }
    })
    expect(ProxyEnv.parseProxy("http://[::1]:3128")).toMatchObject({ proxy: { host: "::1", port: 3128 } })
    expect(ProxyEnv.parseProxy("https://proxy.corp:443")).toHaveProperty("reason")
    expect(ProxyEnv.parseProxy("socks5h://proxy.corp")).toHaveProperty("reason")
    expect(ProxyEnv.parseProxy("")).toHaveProperty("reason")
    expect(ProxyEnv.parseProxy("http://")).toHaveProperty("reason")
  })

  it.prop(
    "credentials become Proxy-Authorization and never appear in what is shown",
    [secret, fc.string({ minLength: 1, maxLength: 20 })],
    ([user, password]) => {
      const parsed = ProxyEnv.parseProxy(
        `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:3128`
      )
      expect(parsed).toEqual({
        proxy: {
          host: "127.0.0.1",
          port: 3128,
          display: "http://127.0.0.1:3128",
          authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
        }
      })
    }
  )
})

describe("ProxyEnv.bypasses (NO_PROXY)", () => {
  it.prop("a name matches itself and its subdomains, with or without a leading dot, in any case", [
    domain,
    label,
    fc.integer({ min: 1, max: 65535 })
  ], ([name, sub, port]) => {
    for (const entry of [name, `.${name}`, name.toUpperCase(), `${name}.`, ` other.example , ${name}`]) {
      expect(ProxyEnv.bypasses(entry, name, port)).toBe(true)
      expect(ProxyEnv.bypasses(entry, `${sub}.${name}`, port)).toBe(true)
      expect(ProxyEnv.bypasses(entry, `${sub}${name}`, port)).toBe(false)
    }
    // A name is not resolved: it never matches an address.
    expect(ProxyEnv.bypasses(name, "127.0.0.1", port)).toBe(false)
  })

  it.prop("host:port matches only that port", [domain, fc.integer({ min: 1, max: 65535 })], ([name, port]) => {
    expect(ProxyEnv.bypasses(`${name}:${port}`, name, port)).toBe(true)
    expect(ProxyEnv.bypasses(`${name}:${port}`, name, port === 65535 ? 1 : port + 1)).toBe(false)
    expect(ProxyEnv.bypasses(`[::1]:${port}`, "[::1]", port)).toBe(true)
  })

  it.prop("IPv4 entries with a CIDR suffix match the same network", [
    v4,
    v4,
    fc.integer({ min: 0, max: 32 })
  ], ([a, b, bits]) => {
    const int = (q: ReadonlyArray<number>) => q.reduce((n, x) => n * 256 + x, 0)
    const prefix = (n: number) => bits === 0 ? n : Math.floor(n / 2 ** (32 - bits))
    const same = bits === 0 ? int(a) === int(b) : prefix(int(a)) === prefix(int(b))
    expect(ProxyEnv.bypasses(`${b.join(".")}/${bits}`, a.join("."), 443)).toBe(same)
    expect(ProxyEnv.bypasses(b.join("."), a.join("."), 443)).toBe(int(a) === int(b))
  })

  it("IPv6 entries, brackets or none, with CIDR", () => {
    expect(ProxyEnv.bypasses("::1", "[::1]", 443)).toBe(true)
    expect(ProxyEnv.bypasses("[::1]", "[::1]", 443)).toBe(true)
    expect(ProxyEnv.bypasses("fd00::/8", "[fd12:3456::1]", 443)).toBe(true)
    expect(ProxyEnv.bypasses("fd00::/8", "[fe80::1]", 443)).toBe(false)
    expect(ProxyEnv.bypasses("::ffff:127.0.0.1", "[::ffff:7f00:1]", 443)).toBe(true)
    expect(ProxyEnv.bypasses("127.0.0.1", "[::1]", 443)).toBe(false)
    expect(ProxyEnv.bypasses("localhost", "localhost", 443)).toBe(true)
    expect(ProxyEnv.bypasses("*.example.com", "api.example.com", 443)).toBe(false)
  })
})
