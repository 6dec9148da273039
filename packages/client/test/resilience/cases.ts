/**
 * The fault matrix: every fault, scripted at the socket level for the real transports and, where an
 * in-memory equivalent exists, for the fake transport, with the one outcome every transport must give.
 *
 * Each script lists the answer to every request the client is expected to send, in order, so a client
 * that sends one request too many meets the server's default 404 and fails the case.
 */
import type { ApiTokens, ApiTokensError } from "@deepset-tokens/client"
import { Fault, FaultServer } from "@deepset-tokens/testing"
import { Effect, type Redacted, type Scope } from "effect"
import { Duration } from "effect"

/** What a case's script may refer to. */
export interface Context {
  /** A valid `TokenMeta` as JSON. */
  readonly body: string
  /** Another origin (a second server). It must never see a request. */
  readonly secondOrigin: string
  /** The configured server reached as `localhost`: the same socket, another origin. */
  readonly otherName: string
  /** The wall clock the case runs on, for `Retry-After` HTTP dates. */
  readonly now: number
  /** The API key, for the fake's scripts that echo it (the fault server echoes what it receives). */
  readonly key: string
}

export interface Expected {
  readonly tag: "Success" | ApiTokensError["_tag"]
  readonly status?: number
  /** The delay the error carries, in ms, give or take `within` ms (HTTP dates have 1 s resolution). */
  readonly retryAfter?: { readonly millis: number; readonly within?: number }
  readonly scope?: "attempt" | "deadline"
  /** A `MalformedResponse`'s `issue` contains this. */
  readonly issue?: string
  /** Requests sent, retries included. */
  readonly requests: number
  /** The wait before each retry: the server's delay in ms, or the client's own backoff. */
  readonly waits?: ReadonlyArray<number | "backoff">
}

export interface Case {
  readonly group: string
  readonly name: string
  /** Client options for this case, over the suite's. */
  readonly options?: Partial<ApiTokens.Options>
  /** The socket-level script, one behavior per request. */
  readonly server: (ctx: Context) => ReadonlyArray<FaultServer.Behavior>
  /** Nothing listens on the configured origin: the connection is refused. */
  readonly refused?: true
  /** The same fault for the in-memory fake, when one exists. */
  readonly fake?: (ctx: Context) => ReadonlyArray<Fault.Fault>
  readonly expect: Expected
}

/** Attempts are at most 3 (2 retries); transport-level faults repeat on each. */
const thrice = <A>(a: A): ReadonlyArray<A> => [a, a, a]

const json = { "content-type": "application/json" }
const html = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
const big = `"${"x".repeat(200_000)}"`
const httpDate = (millis: number) => new Date(millis).toUTCString()

const { Echo, Endless, Gzip, Raw, Reset, ResetMidBody, Respond, SlowHeaders, StallBody, Trickle, Truncate } =
  FaultServer.Behavior

const ok = (ctx: Context): FaultServer.Behavior => Respond({ status: 200, headers: json, body: ctx.body })
const okFake = (ctx: Context) => Fault.status(200, ctx.body, json)
const status = (code: number, headers: Record<string, string> = {}, body = ""): FaultServer.Behavior =>
  Respond({ status: code, headers, body })

/** What the fault server's `Echo` sends, for the fake. */
const echoFake = (code: number, ctx: Context) =>
  Fault.status(code, JSON.stringify({ detail: `rejected credentials: Bearer ${ctx.key}` }), {
    ...json,
    "x-request-id": `Bearer ${ctx.key}`,
    "www-authenticate": `Bearer ${ctx.key}`
  })

/**
 * Short limits where the case is about time, yet long enough that a loaded 2-core CI machine gets the request
 * to the server before they run out; elsewhere the suite's generous default keeps slow CI green.
 */
const fast = { timeout: Duration.millis(600) }

export const cases: ReadonlyArray<Case> = [
  // --- success
  {
    group: "success",
    name: "200 with a valid TokenMeta",
    server: (ctx) => [ok(ctx)],
    fake: (ctx) => [okFake(ctx)],
    expect: { tag: "Success", requests: 1 }
  },
  {
    group: "success",
    name: "200, chunked (no Content-Length)",
    server: (ctx) => [Respond({ status: 200, headers: json, body: ctx.body, chunked: true })],
    fake: (ctx) => [okFake(ctx)],
    expect: { tag: "Success", requests: 1 }
  },
  {
    group: "success",
    name: "200 whose body starts with a UTF-8 byte-order mark",
    server: (ctx) => [Respond({ status: 200, headers: json, body: `\uFEFF${ctx.body}` })],
    fake: (ctx) => [Fault.status(200, `\uFEFF${ctx.body}`, json)],
    expect: { tag: "Success", requests: 1 }
  },
  {
    group: "success",
    name: "200, gzip-compressed when the client accepts it",
    server: (ctx) => [Gzip({ status: 200, headers: json, body: ctx.body })],
    fake: (ctx) => [okFake(ctx)],
    expect: { tag: "Success", requests: 1 }
  },
  {
    group: "success",
    name: "200 ended by closing the connection (no length, not chunked)",
    server: (ctx) => [Raw({
      bytes: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${ctx.body}`,
      then: "end"
    })],
    fake: (ctx) => [okFake(ctx)],
    expect: { tag: "Success", requests: 1 }
  },
  {
    group: "success",
    name: "103 Early Hints, then 200",
    server: (ctx) => [Raw({
      bytes: `HTTP/1.1 103 Early Hints\r\nlink: </x.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(ctx.body)}\r\n\r\n${ctx.body}`,
      then: "end"
    })],
    expect: { tag: "Success", requests: 1 }
  },
  // --- hostile bodies: a 2xx that is not a TokenMeta is never retried
  {
    group: "body",
    name: "200 with invalid JSON",
    server: () => [status(200, json, "{\"name\": ")],
    fake: () => [Fault.status(200, "{\"name\": ", json)],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "200 with an empty body",
    server: () => [status(200, json)],
    fake: () => [Fault.status(200, "", json)],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "204 No Content",
    server: () => [status(204)],
    fake: () => [Fault.status(204)],
    expect: { tag: "MalformedResponse", status: 204, requests: 1 }
  },
  {
    group: "body",
    name: "200 with JSON of the wrong shape",
    server: () => [status(200, json, "{\"name\":\"x\"}")],
    fake: () => [Fault.status(200, "{\"name\":\"x\"}", json)],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "200 with a proxy's HTML page",
    server: () => [status(200, { "content-type": "text/html" }, html)],
    fake: () => [Fault.status(200, html, { "content-type": "text/html" })],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "200 with text/plain",
    server: (ctx) => [status(200, { "content-type": "text/plain" }, ctx.body)],
    fake: (ctx) => [Fault.status(200, ctx.body, { "content-type": "text/plain" })],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "200 echoing the key in its body and headers",
    server: () => [Echo({ status: 200 })],
    fake: (ctx) => [echoFake(200, ctx)],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "oversize body with Content-Length (200 kB, cap 64 KiB)",
    server: () => [status(200, json, big)],
    fake: () => [Fault.status(200, big, { ...json, "content-length": String(big.length) })],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "oversize chunked body (200 kB, cap 64 KiB)",
    server: () => [Respond({ status: 200, headers: json, body: big, chunked: true })],
    fake: () => [Fault.status(200, big, json)],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "endless chunked body",
    server: () => [Endless({ status: 200 })],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "endless body declaring a 1 GiB Content-Length",
    server: () => [Endless({ status: 200, contentLength: 2 ** 30 })],
    fake: () => [Fault.status(200, "{}", { ...json, "content-length": String(2 ** 30) })],
    expect: { tag: "MalformedResponse", status: 200, requests: 1 }
  },
  {
    group: "body",
    name: "gzip bomb: 16 MB expanding from 16 kB (cap 64 KiB)",
    server: () => [Gzip({ status: 200, headers: json, body: `"${" ".repeat(16 * 1024 * 1024)}"` })],
    expect: { tag: "MalformedResponse", status: 200, issue: "cap", requests: 1 }
  },
  {
    group: "connection",
    name: "headers over 64 KiB",
    server: () => thrice(status(200, { ...json, "x-junk": "x".repeat(64 * 1024) })),
    fake: () => thrice(Fault.disconnect("Headers Overflow Error (UND_ERR_HEADERS_OVERFLOW)")),
    expect: { tag: "TransportError", requests: 3 }
  },
  // --- broken connections: transport errors are retried, and the last one is returned
  {
    group: "connection",
    name: "body truncated (connection ends early)",
    server: () => thrice(Truncate({ status: 200, prefix: "{\"name\":\"ci" })),
    fake: () => thrice(Fault.BrokenBody({ status: 200, prefix: "{\"name\":\"ci", headers: json })),
    expect: { tag: "TransportError", requests: 3 }
  },
  {
    group: "connection",
    name: "connection reset mid-body",
    server: () => thrice(ResetMidBody({ status: 200, prefix: "{\"name\":\"ci" })),
    fake: () => thrice(Fault.BrokenBody({ status: 200, prefix: "{\"name\":\"ci", headers: json })),
    expect: { tag: "TransportError", requests: 3 }
  },
  {
    group: "connection",
    name: "connection reset before the answer",
    server: () => thrice(Reset()),
    fake: () => thrice(Fault.disconnect("socket hang up (ECONNRESET)")),
    expect: { tag: "TransportError", requests: 3 }
  },
  {
    group: "connection",
    name: "an answer that is not HTTP",
    server: () => thrice(Raw({ bytes: "SSH-2.0-OpenSSH_9.6\r\n\r\n", then: "end" })),
    fake: () => thrice(Fault.disconnect("Parse Error: Expected HTTP/ (HPE_INVALID_CONSTANT)")),
    expect: { tag: "TransportError", requests: 3 }
  },
  {
    group: "connection",
    name: "connection refused",
    server: () => [],
    refused: true,
    fake: () => thrice(Fault.disconnect("connect ECONNREFUSED 127.0.0.1:1")),
    expect: { tag: "TransportError", requests: 3 }
  },
  {
    group: "connection",
    name: "reset twice, then 200",
    server: (ctx) => [Reset(), Reset(), ok(ctx)],
    fake: (ctx) => [Fault.disconnect("ECONNRESET"), Fault.disconnect("ECONNRESET"), okFake(ctx)],
    expect: { tag: "Success", requests: 3, waits: ["backoff", "backoff"] }
  },
  // --- time limits
  {
    group: "time",
    name: "headers slower than the attempt timeout (600 ms)",
    options: fast,
    server: (ctx) => thrice(SlowHeaders({ ms: 10_000, then: ok(ctx) })),
    fake: (ctx) => thrice(Fault.delay("10 seconds", okFake(ctx))),
    expect: { tag: "Timeout", scope: "attempt", requests: 3, waits: ["backoff", "backoff"] }
  },
  {
    group: "time",
    name: "body stalls after the headers",
    options: { ...fast, retry: false },
    server: () => [StallBody({ status: 200, prefix: "{\"name\":" })],
    expect: { tag: "Timeout", scope: "attempt", requests: 1 }
  },
  {
    group: "time",
    name: "body trickles: every byte on time, the whole too slow",
    options: { ...fast, retry: false },
    server: (ctx) => [Trickle({ status: 200, body: ctx.body, everyMs: 20 })],
    expect: { tag: "Timeout", scope: "attempt", requests: 1 }
  },
  {
    group: "time",
    name: "headers too slow once, then 200",
    options: fast,
    server: (ctx) => [SlowHeaders({ ms: 10_000, then: ok(ctx) }), ok(ctx)],
    fake: (ctx) => [Fault.delay("10 seconds", okFake(ctx)), okFake(ctx)],
    expect: { tag: "Success", requests: 2 }
  },
  {
    group: "time",
    name: "overall deadline (600 ms) before the attempt timeout (10 s)",
    options: { deadline: Duration.millis(600) },
    server: (ctx) => [SlowHeaders({ ms: 10_000, then: ok(ctx) })],
    fake: (ctx) => [Fault.delay("10 seconds", okFake(ctx))],
    expect: { tag: "Timeout", scope: "deadline", requests: 1 }
  },
  // --- statuses
  {
    group: "status",
    name: "404",
    server: () => [status(404, json, "{\"detail\":\"Token not found\"}")],
    fake: () => [Fault.status(404, { detail: "Token not found" })],
    expect: { tag: "TokenNotFound", status: 404, requests: 1 }
  },
  {
    group: "status",
    name: "401 echoing the key",
    server: () => [Echo({ status: 401 })],
    fake: (ctx) => [echoFake(401, ctx)],
    expect: { tag: "Unauthorized", status: 401, requests: 1 }
  },
  {
    group: "status",
    name: "400 echoing the key",
    server: () => [Echo({ status: 400 })],
    fake: (ctx) => [echoFake(400, ctx)],
    expect: { tag: "UnexpectedStatus", status: 400, requests: 1 }
  },
  {
    group: "status",
    name: "408, then 200",
    server: (ctx) => [status(408), ok(ctx)],
    fake: (ctx) => [Fault.status(408), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: ["backoff"] }
  },
  {
    group: "status",
    name: "408 every time (retries run out)",
    server: () => thrice(status(408)),
    fake: () => thrice(Fault.status(408)),
    expect: { tag: "UnexpectedStatus", status: 408, requests: 3, waits: ["backoff", "backoff"] }
  },
  {
    group: "status",
    name: "502 HTML page from a proxy, every time",
    server: () => thrice(status(502, { "content-type": "text/html" }, html)),
    fake: () => thrice(Fault.status(502, html, { "content-type": "text/html" })),
    expect: { tag: "ServerError", status: 502, requests: 3 }
  },
  {
    group: "status",
    name: "504, 502, 500 (retries run out: the last error)",
    server: () => [status(504), status(502), status(500)],
    fake: () => [Fault.status(504), Fault.status(502), Fault.status(500)],
    expect: { tag: "ServerError", status: 500, requests: 3, waits: ["backoff", "backoff"] }
  },
  {
    group: "status",
    name: "503 with retries off",
    options: { retry: false },
    server: () => [status(503)],
    fake: () => [Fault.status(503)],
    expect: { tag: "ServerError", status: 503, requests: 1 }
  },
  // --- 3xx: never followed, so the key stays with the configured origin
  {
    group: "3xx",
    name: "301 redirect to another origin",
    server: (ctx) => [status(301, { location: `${ctx.secondOrigin}/api/v1/token/steal` })],
    fake: (ctx) => [Fault.status(301, "", { location: `${ctx.secondOrigin}/api/v1/token/steal` })],
    expect: { tag: "UnexpectedStatus", status: 301, requests: 1 }
  },
  {
    group: "3xx",
    name: "302 redirect to the same server as localhost",
    server: (ctx) => [status(302, { location: `${ctx.otherName}/api/v1/token/steal` })],
    fake: (ctx) => [Fault.status(302, "", { location: `${ctx.otherName}/api/v1/token/steal` })],
    expect: { tag: "UnexpectedStatus", status: 302, requests: 1 }
  },
  {
    group: "3xx",
    name: "307 redirect on the same origin",
    server: () => [status(307, { location: "/api/v1/token/other" })],
    fake: () => [Fault.status(307, "", { location: "/api/v1/token/other" })],
    expect: { tag: "UnexpectedStatus", status: 307, requests: 1 }
  },
  {
    group: "3xx",
    name: "308 redirect to another origin",
    server: (ctx) => [status(308, { location: `${ctx.secondOrigin}/api/v1/token/steal` })],
    fake: (ctx) => [Fault.status(308, "", { location: `${ctx.secondOrigin}/api/v1/token/steal` })],
    expect: { tag: "UnexpectedStatus", status: 308, requests: 1 }
  },
  {
    group: "3xx",
    name: "300 Multiple Choices",
    server: () => [status(300, json, "[]")],
    fake: () => [Fault.status(300, "[]", json)],
    expect: { tag: "UnexpectedStatus", status: 300, requests: 1 }
  },
  {
    group: "3xx",
    name: "304 Not Modified",
    server: () => [status(304)],
    fake: () => [Fault.status(304)],
    expect: { tag: "UnexpectedStatus", status: 304, requests: 1 }
  },
  // --- server delays: honoured within the cap (60 s), handed back beyond it
  {
    group: "retry-after",
    name: "503, Retry-After: 0 (zero, not absent), then 200",
    server: (ctx) => [status(503, { "retry-after": "0" }), ok(ctx)],
    fake: (ctx) => [Fault.status(503, "", { "retry-after": "0" }), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: [0] }
  },
  {
    group: "retry-after",
    name: "429, retry-after-ms: 50, then 200",
    server: (ctx) => [status(429, { "retry-after-ms": "50" }), ok(ctx)],
    fake: (ctx) => [Fault.status(429, "", { "retry-after-ms": "50" }), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: [50] }
  },
  {
    group: "retry-after",
    name: "429, retry-after-ms: 0 wins over Retry-After: 3600, then 200",
    server: (ctx) => [status(429, { "retry-after-ms": "0", "retry-after": "3600" }), ok(ctx)],
    fake: (ctx) => [Fault.status(429, "", { "retry-after-ms": "0", "retry-after": "3600" }), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: [0] }
  },
  {
    group: "retry-after",
    name: "503, Retry-After: an HTTP date in the past, then 200",
    server: (ctx) => [status(503, { "retry-after": httpDate(ctx.now - 60_000) }), ok(ctx)],
    fake: (ctx) => [Fault.status(503, "", { "retry-after": httpDate(ctx.now - 60_000) }), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: [0] }
  },
  {
    group: "retry-after",
    name: "429, Retry-After: garbage (backoff instead), then 200",
    server: (ctx) => [status(429, { "retry-after": "soon" }), ok(ctx)],
    fake: (ctx) => [Fault.status(429, "", { "retry-after": "soon" }), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: ["backoff"] }
  },
  {
    group: "retry-after",
    name: "503, Retry-After: -1 (backoff instead), then 200",
    server: (ctx) => [status(503, { "retry-after": "-1" }), ok(ctx)],
    fake: (ctx) => [Fault.status(503, "", { "retry-after": "-1" }), okFake(ctx)],
    expect: { tag: "Success", requests: 2, waits: ["backoff"] }
  },
  {
    group: "retry-after",
    name: "429, Retry-After: 3600 (beyond the cap: no wait)",
    server: () => [status(429, { "retry-after": "3600" })],
    fake: () => [Fault.status(429, "", { "retry-after": "3600" })],
    expect: { tag: "RateLimited", status: 429, retryAfter: { millis: 3_600_000 }, requests: 1, waits: [] }
  },
  {
    group: "retry-after",
    name: "503, Retry-After: an HTTP date 1 h ahead (beyond the cap)",
    server: (ctx) => [status(503, { "retry-after": httpDate(ctx.now + 3_600_000) })],
    fake: (ctx) => [Fault.status(503, "", { "retry-after": httpDate(ctx.now + 3_600_000) })],
    expect: {
      tag: "ServerError",
      status: 503,
      retryAfter: { millis: 3_600_000, within: 5_000 },
      requests: 1,
      waits: []
    }
  },
  {
    group: "retry-after",
    name: "429, retry-after-ms: 3600000 (beyond the cap)",
    server: () => [status(429, { "retry-after-ms": "3600000" })],
    fake: () => [Fault.status(429, "", { "retry-after-ms": "3600000" })],
    expect: { tag: "RateLimited", status: 429, retryAfter: { millis: 3_600_000 }, requests: 1, waits: [] }
  },
  {
    group: "retry-after",
    name: "429, Retry-After: 1 with retryAfterCap 500 ms (beyond a configured cap)",
    options: { retry: { retryAfterCap: Duration.millis(500) } },
    server: () => [status(429, { "retry-after": "1" })],
    fake: () => [Fault.status(429, "", { "retry-after": "1" })],
    expect: { tag: "RateLimited", status: 429, retryAfter: { millis: 1000 }, requests: 1, waits: [] }
  },
  {
    group: "retry-after",
    name: "429 every time, retry-after-ms: 10 (retries run out)",
    server: () => thrice(status(429, { "retry-after-ms": "10" })),
    fake: () => thrice(Fault.status(429, "", { "retry-after-ms": "10" })),
    expect: { tag: "RateLimited", status: 429, retryAfter: { millis: 10 }, requests: 3, waits: [10, 10] }
  }
]

/**
 * The options every run of a case starts from: the default 10 s attempt timeout (on a loaded 2-core machine a good
 * answer took over 2 s; time cases set their own), fast retries, a 64 KiB body cap.
 */
export const baseOptions = (apiKey: Redacted.Redacted<string>) => ({
  apiKey,
  timeout: Duration.seconds(10),
  retry: { times: 2, base: Duration.millis(5), cap: Duration.millis(20) },
  maxBodyBytes: 64 * 1024
})

/** A case's options over {@link baseOptions}, against `baseUrl`; a case's partial retry policy merges in. */
export const optionsFor = (apiKey: Redacted.Redacted<string>, c: Case, baseUrl: string): ApiTokens.Options => {
  const base = baseOptions(apiKey)
  return {
    ...base,
    ...c.options,
    baseUrl,
    retry: c.options?.retry === false ? false : { ...base.retry, ...c.options?.retry }
  }
}

/** An origin where nothing listens: a fault server's, just closed. */
export const refusedOrigin: Effect.Effect<string, FaultServer.FaultServerError> = Effect.map(
  Effect.scoped(FaultServer.make),
  (server) => server.url
)

/**
 * Starts the servers a case runs against, in the current scope: the configured one with the case's script, and a
 * second origin that must never see a request. `baseUrl` is where the client is pointed (nowhere, for a case
 * about a refused connection).
 */
export const stage = (c: Case, { body, key }: { readonly body: string; readonly key: string }): Effect.Effect<
  { readonly server: FaultServer.Service; readonly second: FaultServer.Service; readonly baseUrl: string },
  FaultServer.FaultServerError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const server = yield* FaultServer.make
    const second = yield* FaultServer.make
    const ctx: Context = {
      body,
      secondOrigin: second.url,
      otherName: `http://localhost:${server.port}`,
      now: Date.now(),
      key
    }
    yield* server.script(...c.server(ctx))
    const baseUrl = c.refused === true ? yield* refusedOrigin : server.url
    return { server, second, baseUrl }
  })
