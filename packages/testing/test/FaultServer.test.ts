/**
 * The fault server, checked with Node's own HTTP client: each behavior does at the socket level what it
 * says, and closing the scope leaves nothing open. Real sockets need real time, so delays are ms-scale.
 */
import { FaultServer } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
import { request } from "node:http"
import { gunzipSync } from "node:zlib"

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | ReadonlyArray<string> | undefined>
  readonly body: string
  readonly bytes: Buffer
  /** Milliseconds from sending the request to the headers. */
  readonly headersAfter: number
  /** Milliseconds from sending the request to the end (or the failure) of the body. */
  readonly doneAfter: number
  /** How the body ended, when it did not end cleanly. */
  readonly error: string | undefined
}

interface Failed {
  readonly _tag: "Failed"
  readonly code: string
}

/** A GET without keep-alive, so no socket outlives it; gives up after `limit` ms of silence. */
const get = (
  url: string,
  options: { readonly limit?: number; readonly maxBytes?: number; readonly gzip?: boolean } = {}
) =>
  Effect.async<Answer, Failed>((resume) => {
    const started = Date.now()
    let finish: ((error: string) => void) | undefined
    const headers = {
      authorization: "Bearer secret-key",
      ...(options.gzip === true ? { "accept-encoding": "gzip" } : {})
    }
    const req = request(url, { agent: false, headers }, (res) => {
      const headersAfter = Date.now() - started
      const chunks: Array<Buffer> = []
      let size = 0
      let settled = false
      const done = (error: string | undefined) => {
        if (settled) return
        settled = true
        req.destroy()
        resume(Effect.succeed({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          bytes: Buffer.concat(chunks),
          headersAfter,
          doneAfter: Date.now() - started,
          error
        }))
      }
      finish = done
      res.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size <= 1024 * 1024) chunks.push(chunk)
        if (options.maxBytes !== undefined && size > options.maxBytes) done("too large")
      })
      res.on("end", () => done(undefined))
      res.on("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message))
      res.on("aborted", () => done("aborted"))
    })
    req.setTimeout(options.limit ?? 2000, () => {
      // Silence after the headers ends the body; before them, the request fails.
      if (finish !== undefined) finish("silent")
      else req.destroy(Object.assign(new Error("silent"), { code: "SILENT" }))
    })
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (finish !== undefined) finish(e.code ?? e.message)
      else resume(Effect.fail({ _tag: "Failed", code: e.code ?? e.message }))
    })
    req.end()
    return Effect.sync(() => req.destroy())
  })

const eventually = <A>(self: Effect.Effect<A>, ok: (a: A) => boolean) =>
  self.pipe(
    Effect.filterOrFail(ok),
    Effect.retry(Schedule.spaced("5 millis")),
    Effect.timeout("2 seconds")
  )

describe("FaultServer", () => {
  it.scopedLive("Respond answers as scripted and records what it saw, the key included", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
      yield* server.script(FaultServer.Behavior.Respond({ status: 201, headers: { "x-a": "1" }, body: "héllo" }))
      const answer = yield* get(`${server.url}/api/v1/token/x?q=1`)
      expect(answer).toMatchObject({ status: 201, body: "héllo", error: undefined })
      expect(answer.headers).toMatchObject({ "x-a": "1", "content-length": "6" })
      expect(yield* server.requests).toEqual([
        {
          method: "GET",
          url: "/api/v1/token/x?q=1",
          host: `127.0.0.1:${server.port}`,
          authorization: "Bearer secret-key"
        }
      ])
    }))

  it.scopedLive("an empty script answers 404, and chunked bodies carry no Content-Length", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Respond({ status: 200, body: "{\"a\":1}", chunked: true }))
      const chunked = yield* get(server.url)
      expect(chunked).toMatchObject({ status: 200, body: "{\"a\":1}" })
      expect(chunked.headers["content-length"]).toBeUndefined()
      expect(chunked.headers["transfer-encoding"]).toBe("chunked")
      expect(yield* get(server.url)).toMatchObject({ status: 404, body: "{\"detail\":\"Not Found\"}" })
    }))

  it.scopedLive("Echo sends the Authorization it received back in the body and headers", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Echo({ status: 401 }))
      const answer = yield* get(server.url)
      expect(answer.status).toBe(401)
      expect(answer.body).toContain("Bearer secret-key")
      expect(answer.headers["x-request-id"]).toBe("Bearer secret-key")
      expect(answer.headers["www-authenticate"]).toBe("Bearer secret-key")
    }))

  it.scopedLive("SlowHeaders holds the headers back, Trickle holds the body back byte by byte", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.SlowHeaders({ ms: 80, then: FaultServer.Behavior.Respond({ status: 200, body: "ok" }) }),
        FaultServer.Behavior.Trickle({ status: 200, body: "abcdef", everyMs: 15 })
      )
      const slow = yield* get(server.url)
      expect(slow).toMatchObject({ status: 200, body: "ok" })
      expect(slow.headersAfter).toBeGreaterThanOrEqual(70)
      const trickled = yield* get(server.url)
      expect(trickled).toMatchObject({ status: 200, body: "abcdef", error: undefined })
      expect(trickled.headers["content-length"]).toBe("6")
      expect(trickled.doneAfter - trickled.headersAfter).toBeGreaterThanOrEqual(60)
    }))

  it.scopedLive("StallBody sends the headers and a prefix, then nothing until the client leaves", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.StallBody({ status: 200, prefix: "{\"name\":" }))
      const answer = yield* get(server.url, { limit: 100 })
      expect(answer).toMatchObject({ status: 200, body: "{\"name\":", error: "silent" })
      expect(Number(answer.headers["content-length"])).toBeGreaterThan(answer.body.length)
      // The client left, so the answer is over.
      expect(yield* eventually(server.inFlight, (n) => n === 0)).toBe(0)
    }))

  it.scopedLive("Truncate ends the connection, ResetMidBody resets it, both after a prefix", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.Truncate({ status: 200, prefix: "{\"a\"" }),
        FaultServer.Behavior.ResetMidBody({ status: 200, prefix: "{\"b\"" })
      )
      const truncated = yield* get(server.url)
      expect(truncated).toMatchObject({ status: 200, body: "{\"a\"" })
      expect(truncated.error).toBeDefined()
      const reset = yield* get(server.url)
      expect(reset).toMatchObject({ status: 200, body: "{\"b\"" })
      expect(reset.error).toBeDefined()
    }))

  it.scopedLive("Reset answers nothing at all, Raw answers bytes that are not HTTP", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(
        FaultServer.Behavior.Reset(),
        FaultServer.Behavior.Raw({ bytes: "SSH-2.0-OpenSSH\r\n\r\n", then: "end" })
      )
      expect(yield* Effect.flip(get(server.url))).toEqual({ _tag: "Failed", code: "ECONNRESET" })
      const garbage = yield* Effect.flip(get(server.url))
      expect(garbage.code).toMatch(/^HPE_/)
      expect((yield* server.requests).length).toBe(2)
    }))

  it.scopedLive("Endless streams until the client stops reading and closes", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Endless({ status: 200 }))
      const answer = yield* get(server.url, { maxBytes: 2 * 1024 * 1024 })
      expect(answer).toMatchObject({ status: 200, error: "too large" })
      expect(answer.headers["content-length"]).toBeUndefined()
      expect(yield* eventually(server.inFlight, (n) => n === 0)).toBe(0)
    }))

  it.scopedLive("an Endless body may declare a Content-Length it never finishes", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      yield* server.script(FaultServer.Behavior.Endless({ status: 200, contentLength: 2 ** 30 }))
      const answer = yield* get(server.url, { maxBytes: 1024 * 1024 })
      expect(answer).toMatchObject({ status: 200, error: "too large" })
      expect(answer.headers["content-length"]).toBe(String(2 ** 30))
      expect(yield* eventually(server.inFlight, (n) => n === 0)).toBe(0)
    }))

  it.scopedLive("Gzip compresses only for a client that accepts it", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.make
      const body = " ".repeat(100_000)
      yield* server.script(
        FaultServer.Behavior.Gzip({ status: 200, body }),
        FaultServer.Behavior.Gzip({ status: 200, body })
      )
      const compressed = yield* get(server.url, { gzip: true })
      expect(compressed.headers["content-encoding"]).toBe("gzip")
      expect(Number(compressed.headers["content-length"])).toBeLessThan(1000)
      expect(gunzipSync(compressed.bytes).toString()).toBe(body)
      const plain = yield* get(server.url)
      expect(plain.headers["content-encoding"]).toBeUndefined()
      expect(plain.body).toBe(body)
    }))

  it.live("closing the scope closes every socket and the server, and cancels pending answers", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(FaultServer.make, scope)
      yield* server.script(
        FaultServer.Behavior.StallBody({ status: 200, prefix: "{" }),
        FaultServer.Behavior.SlowHeaders({ ms: 60_000, then: FaultServer.Behavior.Respond({ status: 200 }) })
      )
      const stalled = yield* Effect.fork(get(server.url, { limit: 60_000 }))
      const waiting = yield* Effect.fork(Effect.either(get(server.url, { limit: 60_000 })))
      yield* eventually(server.inFlight, (n) => n === 2)
      expect(yield* server.openSockets).toBe(2)
      yield* Scope.close(scope, Exit.void)
      // Both clients learn at once that their connection is gone.
      const cut = yield* stalled.await.pipe(Effect.timeout("1 second"))
      expect(Exit.isSuccess(cut)).toBe(true)
      expect((yield* waiting.await.pipe(Effect.timeout("1 second")))._tag).toBe("Success")
      expect(yield* eventually(server.openSockets, (n) => n === 0)).toBe(0)
      expect(yield* server.closedSockets).toBe(2)
      expect(yield* Effect.flip(get(server.url))).toEqual({ _tag: "Failed", code: "ECONNREFUSED" })
    }))

  it.scopedLive("layer provides a server for its lifetime", () =>
    Effect.gen(function*() {
      const server = yield* FaultServer.FaultServer
      expect((yield* get(server.url)).status).toBe(404)
    }).pipe(Effect.provide(FaultServer.layer)))

  it.scopedLive("two servers are two origins on two ports", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([FaultServer.make, FaultServer.make])
      expect(a.port).not.toBe(b.port)
      yield* get(a.url)
      expect((yield* a.requests).length).toBe(1)
      expect(yield* b.requests).toEqual([])
    }))

  it.scopedLive("CORS is opt-in: preflights are answered outside the script, answers carry the CORS headers", () =>
    Effect.gen(function*() {
      const origin = "http://127.0.0.1:4321"
      const plain = yield* FaultServer.make
      const cors = yield* FaultServer.makeWith({ cors: true })
      const hiding = yield* FaultServer.makeWith({ cors: { exposeHeaders: [] } })
      const preflight = yield* Effect.promise(() =>
        fetch(cors.url, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" }
        })
      )
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get("access-control-allow-origin")).toBe(origin)
      expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization")
      // The preflight took no scripted answer and is not a request of the page's.
      expect(yield* cors.requests).toEqual([])
      yield* cors.script(FaultServer.Behavior.Respond({ status: 429, headers: { "retry-after": "2" }, body: "{}" }))
      const answer = yield* Effect.promise(() => fetch(cors.url, { headers: { origin } }))
      expect(answer.status).toBe(429)
      expect(answer.headers.get("access-control-allow-origin")).toBe(origin)
      expect(answer.headers.get("access-control-expose-headers")).toBe("retry-after, retry-after-ms, x-request-id")
      const hidden = yield* Effect.promise(() => fetch(hiding.url, { headers: { origin } }))
      expect(hidden.headers.get("access-control-expose-headers")).toBe("")
      const off = yield* Effect.promise(() => fetch(plain.url, { headers: { origin } }))
      expect(off.headers.get("access-control-allow-origin")).toBeNull()
      for (const response of [answer, hidden, off]) yield* Effect.promise(() => response.text())
    }))
})
