/**
 * `ApiTokens` through a real forward proxy (the `proxy` package) on loopback, on both transports: to a
 * plain-HTTP simulator and to the same simulator behind TLS. Real sockets need real time, so the fault cases
 * use small timeouts.
 */
import { ApiTokens, ApiTokensConfigError } from "@deepset-tokens/client"
import * as ProxyTransport from "@deepset-tokens/client/ProxyTransport"
import { Simulator, SpanRecorder } from "@deepset-tokens/testing"
import * as ForwardProxy from "@deepset-tokens/testing/ForwardProxy"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, FastCheck as fc, Layer, Logger, LogLevel, Redacted } from "effect"

const user = "proxy-user"
const password = "pr0xy-s3cret/pass"

type Make = (options: ProxyTransport.Options) => Layer.Layer<HttpClient.HttpClient, ApiTokensConfigError>
type MakeConfig = (
  options?: ProxyTransport.EnvOptions
) => Layer.Layer<HttpClient.HttpClient, unknown>

const transports: ReadonlyArray<readonly [string, Make, MakeConfig]> = [
  ["undici", ProxyTransport.layerUndici, ProxyTransport.layerUndiciConfig],
  ["fetch", ProxyTransport.layerFetch, ProxyTransport.layerFetchConfig]
]

/** The simulator, plain and behind TLS, with its key and first id. */
const origins = Effect.gen(function*() {
  const sim = yield* Simulator.make({ tokens: 2, log: false })
  const port = Number(new URL(sim.url).port)
  const https = yield* ForwardProxy.tlsFront(port)
  return { sim, http: sim.url, https, port, httpsPort: Number(new URL(https).port), id: sim.ids[0]! }
})

const tls = { ca: ForwardProxy.loopbackCa }

const retrieveWith = <E>(
  http: Layer.Layer<HttpClient.HttpClient, E>,
  baseUrl: string,
  apiKey: Redacted.Redacted<string>,
  id: string,
  timeout = 5_000
) =>
  Effect.flatMap(ApiTokens, (t) => t.retrieve(id)).pipe(
    Effect.provide(ApiTokens.layer({ apiKey, baseUrl, timeout, retry: false }).pipe(Layer.provide(http)))
  )

/** Every rendering of a failure a program might print or log. */
const renderings = (exit: Exit.Exit<unknown, unknown>) =>
  [String(exit), JSON.stringify(exit), Exit.isFailure(exit) ? String(exit.cause) : ""].join("\n")

describe.each(transports)("ApiTokens through a real proxy on %s", (_, layer, layerConfig) => {
  it.scopedLive("retrieves an https origin through CONNECT; the key stays inside the TLS tunnel", () =>
    Effect.gen(function*() {
      const { https, httpsPort, id, sim } = yield* origins
      const proxy = yield* ForwardProxy.make()
      expect((yield* retrieveWith(layer({ url: proxy.url, tls }), https, sim.apiKey, id)).api_token_id).toBe(id)
      const seen = yield* proxy.requests
      expect(seen.map((r) => `${r.method} ${r.target}`)).toEqual([`CONNECT 127.0.0.1:${httpsPort}`])
      const received = yield* proxy.received
      expect(received).toContain("CONNECT")
      expect(received).not.toContain(Redacted.value(sim.apiKey))
      expect(received).not.toContain(`/api/v1/token/${id}`)
    }))

  it.scopedLive("retrieves a plain-http origin through CONNECT too, where the proxy can read the key", () =>
    Effect.gen(function*() {
      const { http, id, port, sim } = yield* origins
      const proxy = yield* ForwardProxy.make()
      expect((yield* retrieveWith(layer({ url: proxy.url }), http, sim.apiKey, id)).api_token_id).toBe(id)
      const seen = yield* proxy.requests
      expect(seen.map((r) => `${r.method} ${r.target}`)).toEqual([`CONNECT 127.0.0.1:${port}`])
      // A tunnel is not encryption: what PROXY.md warns about.
      expect(yield* proxy.received).toContain(`authorization: Bearer ${Redacted.value(sim.apiKey)}`)
    }))

  it.scopedLive("noProxy 127.0.0.1 goes direct: the proxy sees nothing; other hosts still go through it", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* origins
      const proxy = yield* ForwardProxy.make({ credentials: { user, password } })
      const direct = layer({ url: proxy.urlWithCredentials, noProxy: "127.0.0.1", tls })
      expect((yield* retrieveWith(direct, https, sim.apiKey, id)).api_token_id).toBe(id)
      expect(yield* proxy.requests).toEqual([])
      expect(yield* proxy.received).toBe("")
      const proxied = layer({ url: proxy.urlWithCredentials, noProxy: "localhost,.internal", tls })
      expect((yield* retrieveWith(proxied, https, sim.apiKey, id)).api_token_id).toBe(id)
      expect((yield* proxy.requests).map((r) => r.method)).toEqual(["CONNECT"])
    }))

  it.scopedLive("a client derived from the transport (the generic path) goes through the proxy too", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* origins
      const proxy = yield* ForwardProxy.make()
      // mapRequest builds a new client without the lean path: ApiTokens then uses the platform pipeline.
      const derived = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, HttpClient.mapRequest((request) => request))
      ).pipe(Layer.provideMerge(layer({ url: proxy.url, tls })))
      expect((yield* retrieveWith(derived, https, sim.apiKey, id)).api_token_id).toBe(id)
      expect((yield* proxy.requests).map((r) => r.method)).toEqual(["CONNECT"])
    }))

  it.scopedLive("proxy credentials go as Proxy-Authorization; wrong ones end in a 407 TransportError", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* origins
      const proxy = yield* ForwardProxy.make({ credentials: { user, password } })
      const url = Redacted.make(proxy.urlWithCredentials)
      expect((yield* retrieveWith(layer({ url, tls }), https, sim.apiKey, id)).api_token_id).toBe(id)
      const seen = yield* proxy.requests
      expect(seen[0]?.headers["proxy-authorization"]).toBe(
        `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
      )
      const wrong = proxy.urlWithCredentials.replace(encodeURIComponent(password), "wrong-password")
      const exit = yield* Effect.exit(retrieveWith(layer({ url: wrong, tls }), https, sim.apiKey, id))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "TransportError" } } })
      expect(renderings(exit)).toMatch(/407/)
      expect(renderings(exit)).not.toContain("wrong-password")
      expect(renderings(exit)).not.toContain(user)
    }))

  it.scopedLive("a proxy that resets ends in a TransportError, one that stalls in a Timeout, within the limit", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* origins
      // A short timeout only for the stall: on a loaded machine a reset could come after it.
      const cases = [["reset", "TransportError", 5_000], ["stall", "Timeout", 300]] as const
      for (const [mode, tag, timeout] of cases) {
        const proxy = yield* ForwardProxy.make({ mode })
        const started = Date.now()
        const exit = yield* Effect.exit(retrieveWith(layer({ url: proxy.url, tls }), https, sim.apiKey, id, timeout))
        expect(Date.now() - started).toBeLessThan(3_000)
        expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: tag } } })
        expect((yield* proxy.requests).map((r) => r.method)).toEqual(["CONNECT"])
      }
    }))

  it.scopedLive("from the environment: lower case first, NO_PROXY bypasses, a bad value is a config error", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* origins
      const proxy = yield* ForwardProxy.make()
      const fromEnv = (env: Record<string, string>) =>
        layerConfig({ tls }).pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
        )
      yield* retrieveWith(fromEnv({ https_proxy: proxy.url, HTTPS_PROXY: "http://127.0.0.1:1" }), https, sim.apiKey, id)
      expect(yield* proxy.requests).toHaveLength(1)
      yield* retrieveWith(fromEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" }), https, sim.apiKey, id)
      expect(yield* proxy.requests).toHaveLength(1)
      const bad = yield* Effect.exit(
        retrieveWith(fromEnv({ HTTPS_PROXY: `socks9://${user}:${password}@127.0.0.1:1` }), https, sim.apiKey, id)
      )
      expect(bad).toMatchObject({
        _tag: "Failure",
        cause: { error: { _tag: "ApiTokensConfigError", field: "HTTPS_PROXY" } }
      })
      expect(renderings(bad)).not.toContain(password)
    }))

  it.scopedLive("no span, log or error holds the proxy credentials or the key", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* origins
      const good = yield* ForwardProxy.make({ credentials: { user, password } })
      const stalled = yield* ForwardProxy.make({ mode: "stall", credentials: { user, password } })
      const logs: Array<string> = []
      const logger = Logger.make(({ annotations, cause, message }) => {
        logs.push(JSON.stringify({ message, annotations: [...annotations] }) + String(cause))
      })
      const recorded = Effect.gen(function*() {
        for (const proxy of [good, stalled]) {
          const url = proxy.urlWithCredentials
          const exit = yield* Effect.exit(retrieveWith(layer({ url, tls }), https, sim.apiKey, id, 300))
          yield* Effect.logDebug("outcome", exit)
          logs.push(renderings(exit))
        }
        return yield* (yield* SpanRecorder.SpanRecorder).spans
      }).pipe(
        Effect.provide(Layer.merge(SpanRecorder.layer, Logger.replace(Logger.defaultLogger, logger))),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      const spans = yield* recorded
      expect(spans.length).toBe(2)
      const dump = logs.join("\n") +
        JSON.stringify(spans.map((s) => [[...s.attributes], s.events, String(s.exit)]), (_, v) =>
          typeof v === "bigint" ? String(v) : v)
      for (const secret of [password, encodeURIComponent(password), Redacted.value(sim.apiKey)]) {
        expect(dump).not.toContain(secret)
      }
    }))
})

describe("ProxyTransport options", () => {
  it.effect.prop(
    "a malformed or unsupported proxy URL is an ApiTokensConfigError that never quotes it",
    [
      fc.oneof(
        fc.constant("proxy.internal:3128"),
        fc.constant("socks5://"),
        fc.constant("ftp://"),
        fc.constant("not a url "),
        fc.constant("http://%zz:"),
        fc.constant("http://")
      ),
      fc.stringMatching(/^[A-Za-z0-9]{8,16}$/)
    ],
    ([shape, secret]) =>
      Effect.gen(function*() {
        const url = shape.startsWith("http://%zz")
          ? `http://%zz${secret}:${secret}@127.0.0.1:1`
          : shape.endsWith("://") || shape.endsWith(" ")
          ? `${shape}${secret}:${secret}@`
          : `${shape}${secret}`
        for (const make of [ProxyTransport.layerUndici, ProxyTransport.layerFetch]) {
          const exit = yield* Effect.exit(Layer.build(make({ url: Redacted.make(url) })).pipe(Effect.scoped))
          expect(exit).toMatchObject({
            _tag: "Failure",
            cause: { error: { _tag: "ApiTokensConfigError", field: "proxy" } }
          })
          expect(renderings(exit)).not.toContain(secret)
        }
      }),
    { fastCheck: { numRuns: 40 } }
  )

  it("accepts http proxies, credentials split off the URL", () => {
    const parse = (url: string) => ProxyTransport.parseProxyUrl("proxy", url)
    expect(parse("http://u%40x:p%3Aw@proxy.internal:3128")).toMatchObject({
      _tag: "Right",
      right: { uri: "http://proxy.internal:3128", token: `Basic ${Buffer.from("u@x:p:w").toString("base64")}` }
    })
    expect(parse("http://proxy.internal")).toMatchObject({ _tag: "Right", right: { uri: "http://proxy.internal" } })
    expect(parse("https://proxy.internal:443")._tag).toBe("Left")
    expect(parse("socks5://proxy.internal:1080")._tag).toBe("Left")
    expect(new ApiTokensConfigError({ field: "proxy", reason: "x" }).field).toBe("proxy")
  })
})
