/**
 * The CLI's node:http client, on its own and under `ApiTokens`: redirects are answers, not followed; no
 * connection outlives its answer; the body cap and the timeout close the connection.
 */
import { ApiTokens } from "@deepset-tokens/client"
import { FaultServer } from "@deepset-tokens/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { NodeHttp } from "../src/index.js"

const key = "api_node_http_test_key"
const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
const token = {
  all_workspaces: true,
  api_token_id: id,
  expires: false,
  expires_at: null,
  masked_token: "abcd****wxyz",
  name: "node-http",
  organization_role: "MEMBER",
  personal: true,
  role: "MEMBER",
  user: { given_name: "Ada", family_name: "Lovelace" },
  workspaces: []
}

interface Seen {
  readonly url: string | undefined
  readonly headers: IncomingMessage["headers"]
}

interface Server {
  readonly url: string
  readonly seen: Array<Seen>
  /** One entry per connection: true once it closed. */
  readonly closed: Array<boolean>
}

/** An HTTP server on a free loopback port for the test's scope, recording what it received. */
const server = (handle: (request: IncomingMessage, response: ServerResponse) => void) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<{ readonly server: Server; readonly http: ReturnType<typeof createHttpServer> }>((resume) => {
        const seen: Array<Seen> = []
        const closed: Array<boolean> = []
        const http = createHttpServer((request, response) => {
          seen.push({ url: request.url, headers: request.headers })
          handle(request, response)
        })
        http.on("connection", (socket: Socket) => {
          const index = closed.push(false) - 1
          socket.on("close", () => (closed[index] = true))
        })
        http.listen(0, "127.0.0.1", () => {
          const address = http.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resume(Effect.succeed({ server: { url: `http://127.0.0.1:${port}`, seen, closed }, http }))
        })
      }),
      ({ http }) =>
        Effect.async<void>((resume) => {
          http.closeAllConnections()
          http.close(() => resume(Effect.void))
        })
    ),
    ({ server }) => server
  )

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers
  })
  response.end(text)
}

const retrieve = (baseUrl: string, options: Partial<ApiTokens.Options> = {}) =>
  Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(id)).pipe(
    Effect.provide(
      ApiTokens.layer({ apiKey: Redacted.make(key), baseUrl, retry: false, ...options }).pipe(
        Layer.provide(NodeHttp.layer)
      )
    )
  )

/** Waits (a little) until every connection the server saw has closed. */
const allClosed = (closed: ReadonlyArray<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && !closed.every((c) => c); i++) yield* Effect.sleep("10 millis")
    return closed.length > 0 && closed.every((c) => c)
  })

describe("NodeHttp", () => {
  it.scopedLive("sends the request, reads the answer, and keeps no connection alive", () =>
    Effect.gen(function*() {
      const { closed, seen, url } = yield* server((_, response) => json(response, 200, { ok: true }, { "x-a": "1" }))
      const client = NodeHttp.make()
      const response = yield* client.execute(
        HttpClientRequest.get(`${url}/path?q=1`).pipe(HttpClientRequest.setHeader("x-test", "yes"))
      )
      expect(response.status).toBe(200)
      expect(response.headers["x-a"]).toBe("1")
      expect(yield* response.json).toEqual({ ok: true })
      expect(seen[0]?.url).toBe("/path?q=1")
      expect(seen[0]?.headers["x-test"]).toBe("yes")
      expect(seen[0]?.headers.connection).toBe("close")
      expect(yield* allClosed(closed)).toBe(true)
    }))

  it.scopedLive("streams a body", () =>
    Effect.gen(function*() {
      const { url } = yield* server((_, response) => {
        response.write("ab")
        response.end("cd")
      })
      const response = yield* NodeHttp.make().get(url)
      const text = yield* response.text
      expect(text).toBe("abcd")
    }))

  it.scopedLive("returns a redirect as it is: the Location is never requested, the key never leaves", () =>
    Effect.gen(function*() {
      const other = yield* server((_, response) => json(response, 200, token))
      const { url } = yield* server((_, response) => {
        response.writeHead(302, { location: `${other.url}/api/v1/token/${id}`, "content-length": "0" })
        response.end()
      })
      const response = yield* NodeHttp.make().get(url)
      expect(response.status).toBe(302)
      const error = yield* Effect.flip(retrieve(url))
      expect(error._tag).toBe("UnexpectedStatus")
      expect(other.seen).toHaveLength(0)
    }))

  it.scopedLive("ApiTokens on it: a token, and the documented errors", () =>
    Effect.gen(function*() {
      const { seen, url } = yield* server((request, response) =>
        request.url === `/api/v1/token/${id}`
          ? json(response, 200, token)
          : json(response, 404, { detail: "Not Found" })
      )
      const meta = yield* retrieve(url)
      expect(meta.name).toBe("node-http")
      expect(seen[0]?.headers.authorization).toBe(`Bearer ${key}`)
      const missing = yield* Effect.flip(retrieve(`${url}/elsewhere`))
      expect(missing._tag).toBe("TokenNotFound")
    }))

  it.scopedLive("a refused connection is a TransportError", () =>
    Effect.gen(function*() {
      // A server that was there a moment ago: its port refuses connections now.
      const { url } = yield* Effect.scoped(server((_, response) => response.end()))
      const error = yield* Effect.flip(retrieve(url))
      expect(error._tag).toBe("TransportError")
      expect(error.message).toMatch(/ECONNREFUSED/)
    }))

  it.scopedLive("a body over the cap is refused without reading it, and its connection closed", () =>
    Effect.gen(function*() {
      const { closed, url } = yield* server((_, response) => {
        // Declares 8 MiB, sends a little, and would go on forever.
        response.writeHead(200, { "content-type": "application/json", "content-length": String(8 * 1024 * 1024) })
        response.write("{")
      })
      const error = yield* Effect.flip(retrieve(url))
      expect(error._tag).toBe("MalformedResponse")
      expect(error.message).toMatch(/cap/)
      expect(yield* allClosed(closed)).toBe(true)
    }))

  it.scopedLive("a chunked body over the cap is counted, cut off, and its connection closed", () =>
    Effect.gen(function*() {
      const { closed, url } = yield* server((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        const chunk = "x".repeat(64 * 1024)
        const timer = setInterval(() => response.write(chunk), 1)
        response.on("close", () => clearInterval(timer))
      })
      const error = yield* Effect.flip(retrieve(url, { maxBodyBytes: 256 * 1024 }))
      expect(error._tag).toBe("MalformedResponse")
      expect(yield* allClosed(closed)).toBe(true)
    }))

  it.scopedLive("a stalled answer times out and its connection is closed", () =>
    Effect.gen(function*() {
      const { closed, url } = yield* server((_, response) => {
        response.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        response.write("{")
      })
      const error = yield* Effect.flip(retrieve(url, { timeout: Duration.millis(200) }))
      expect(error._tag).toBe("Timeout")
      expect(yield* allClosed(closed)).toBe(true)
    }))

  it.scopedLive("a connection that breaks in the body is a TransportError", () =>
    Effect.gen(function*() {
      const { url } = yield* server((_, response) => {
        response.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        response.write("{", () => response.socket?.destroy())
      })
      const error = yield* Effect.flip(retrieve(url))
      expect(error._tag).toBe("TransportError")
      expect(error.message).toMatch(/broke while reading the body/)
    }))

  it.scopedLive("https loads on demand; a TLS failure is a TransportError", () =>
    Effect.gen(function*() {
      // Not TLS: the handshake fails.
      // Plain HTTP bytes where a TLS handshake is expected.
      const port = yield* FaultServer.make
      yield* port.script(FaultServer.Behavior.Raw({ bytes: "HTTP/1.1 200 OK\r\n\r\n", then: "end" }))
      const error = yield* Effect.flip(retrieve(`https://127.0.0.1:${port.port}`))
      expect(error._tag).toBe("TransportError")
    }))

  it.effect("refuses bodies it cannot send and URLs that are not http(s)", () =>
    Effect.gen(function*() {
      const client = NodeHttp.make()
      const ftp = yield* Effect.flip(client.get("ftp://127.0.0.1/"))
      expect(ftp._tag).toBe("RequestError")
      expect(ftp.reason).toBe("InvalidUrl")
      const form = yield* Effect.flip(
        client.execute(
          HttpClientRequest.post("http://127.0.0.1:1/").pipe(
            HttpClientRequest.bodyFormData(new FormData())
          )
        )
      )
      expect(form.reason).toBe("Encode")
    }))

  it.scopedLive("its layer provides the HttpClient", () =>
    Effect.gen(function*() {
      const { url } = yield* server((_, response) => json(response, 200, [1]))
      const response = yield* Effect.flatMap(HttpClient.HttpClient, (client) => client.get(url)).pipe(
        Effect.provide(NodeHttp.layer)
      )
      expect(yield* response.json).toEqual([1])
    }))
})
