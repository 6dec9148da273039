/**
 * The fault matrix: every fault, scripted at the socket level for the real transports and, where an
 * in-memory equivalent exists, for the fake transport, with the one outcome every transport must give.
 */
import type { TokenMeta } from "@deepset-tokens/client"
import { Fault, type FaultServer } from "@deepset-tokens/testing"

export interface Case {
  readonly name: string
  /** The socket-level script (the configured origin). */
  readonly server: (body: string) => ReadonlyArray<FaultServer.Behavior>
  /** The same fault for the in-memory fake, when one exists. */
  readonly fake?: (body: string) => ReadonlyArray<Fault.Fault>
  /** The expected `_tag` ("Success" for a TokenMeta). */
  readonly expect: string
  readonly status?: number
}

const json = { "content-type": "application/json" }
const html = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"

export const cases: ReadonlyArray<Case> = [
  {
    name: "200 with a valid TokenMeta",
    server: (body) => [{ _tag: "respond", status: 200, headers: json, body }],
    fake: (body) => [Fault.status(200, body, json)],
    expect: "Success"
  },
  {
    name: "200, chunked (no Content-Length)",
    server: (body) => [{ _tag: "respond", status: 200, headers: json, body, chunked: true }],
    fake: (body) => [Fault.status(200, body, json)],
    expect: "Success"
  },
  {
    name: "200 with invalid JSON",
    server: () => [{ _tag: "respond", status: 200, headers: json, body: "{\"name\": " }],
    fake: () => [Fault.status(200, "{\"name\": ", json)],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "200 with an empty body",
    server: () => [{ _tag: "respond", status: 200, headers: json, body: "" }],
    fake: () => [Fault.status(200, "", json)],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "200 with JSON of the wrong shape",
    server: () => [{ _tag: "respond", status: 200, headers: json, body: "{\"name\":\"x\"}" }],
    fake: () => [Fault.status(200, "{\"name\":\"x\"}", json)],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "200 with a proxy's HTML page",
    server: () => [{ _tag: "respond", status: 200, headers: { "content-type": "text/html" }, body: html }],
    fake: () => [Fault.status(200, html, { "content-type": "text/html" })],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "200 with text/plain",
    server: (body) => [{ _tag: "respond", status: 200, headers: { "content-type": "text/plain" }, body }],
    fake: (body) => [Fault.status(200, body, { "content-type": "text/plain" })],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "502 HTML page from a proxy",
    server: () => [{ _tag: "respond", status: 502, headers: { "content-type": "text/html" }, body: html }],
    fake: () => [Fault.status(502, html, { "content-type": "text/html" })],
    expect: "ServerError",
    status: 502
  },
  {
    name: "body truncated (connection ends early)",
    server: () => [{ _tag: "truncate", status: 200, prefix: "{\"name\":\"ci" }],
    fake: () => [Fault.BrokenBody({ status: 200, prefix: "{\"name\":\"ci", headers: json })],
    expect: "TransportError"
  },
  {
    name: "connection reset mid-body",
    server: () => [{ _tag: "resetMidBody", status: 200, prefix: "{\"name\":\"ci" }],
    fake: () => [Fault.BrokenBody({ status: 200, prefix: "{\"name\":\"ci", headers: json })],
    expect: "TransportError"
  },
  {
    name: "connection reset before the answer",
    server: () => [{ _tag: "reset" }],
    fake: () => [Fault.disconnect("socket hang up (ECONNRESET)")],
    expect: "TransportError"
  },
  {
    name: "headers slower than the attempt timeout",
    server: (body) => [{ _tag: "slowHeaders", ms: 1000, then: { _tag: "respond", status: 200, headers: json, body } }],
    fake: () => [Fault.delay("1 second")],
    expect: "Timeout"
  },
  {
    name: "body stalls after the headers",
    server: () => [{ _tag: "stallBody", status: 200, prefix: "{\"name\":" }],
    expect: "Timeout"
  },
  {
    name: "endless body (no Content-Length)",
    server: () => [{ _tag: "endless", status: 200 }],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "oversize body with Content-Length",
    server: () => [{ _tag: "respond", status: 200, headers: json, body: `"${"x".repeat(200_000)}"` }],
    fake: () => [Fault.status(200, `"${"x".repeat(200_000)}"`, { ...json, "content-length": "200002" })],
    expect: "MalformedResponse",
    status: 200
  },
  {
    name: "301 redirect to another origin",
    server: () => [{ _tag: "respond", status: 301, headers: { location: "SECOND_ORIGIN/steal" } }],
    fake: () => [Fault.status(301, "", { location: "http://127.0.0.2:1/steal" })],
    expect: "UnexpectedStatus",
    status: 301
  },
  {
    name: "307 redirect on the same origin",
    server: () => [{ _tag: "respond", status: 307, headers: { location: "/api/v1/token/other" } }],
    fake: () => [Fault.status(307, "", { location: "/api/v1/token/other" })],
    expect: "UnexpectedStatus",
    status: 307
  },
  {
    name: "429 asking for 1 hour (beyond the Retry-After cap)",
    server: () => [{ _tag: "respond", status: 429, headers: { "retry-after": "3600" } }],
    fake: () => [Fault.status(429, "", { "retry-after": "3600" })],
    expect: "RateLimited",
    status: 429
  },
  {
    name: "503 with Retry-After: 0, then 200",
    server: (body) => [
      { _tag: "respond", status: 503, headers: { "retry-after": "0" } },
      { _tag: "respond", status: 200, headers: json, body }
    ],
    fake: (body) => [Fault.status(503, "", { "retry-after": "0" }), Fault.status(200, body, json)],
    expect: "Success"
  },
  {
    name: "429 with retry-after-ms: 50, then 200",
    server: (body) => [
      { _tag: "respond", status: 429, headers: { "retry-after-ms": "50" } },
      { _tag: "respond", status: 200, headers: json, body }
    ],
    fake: (body) => [Fault.status(429, "", { "retry-after-ms": "50" }), Fault.status(200, body, json)],
    expect: "Success"
  },
  {
    name: "503 three times (retries run out)",
    server: () => [
      { _tag: "respond", status: 503, headers: { "retry-after-ms": "10" } },
      { _tag: "respond", status: 503, headers: { "retry-after-ms": "10" } },
      { _tag: "respond", status: 503, headers: { "retry-after-ms": "10" } }
    ],
    fake: () => [
      Fault.status(503, "", { "retry-after-ms": "10" }),
      Fault.status(503, "", { "retry-after-ms": "10" }),
      Fault.status(503, "", { "retry-after-ms": "10" })
    ],
    expect: "ServerError",
    status: 503
  }
]

export type Outcome = { readonly tag: string; readonly status?: number | undefined }

export const tokenBody = (encode: (t: TokenMeta) => unknown, token: TokenMeta) => JSON.stringify(encode(token))
