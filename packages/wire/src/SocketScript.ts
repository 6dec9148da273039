/**
 * Socket scripts: a real HTTP server on loopback that misbehaves on purpose, step by scripted step, at the
 * socket level (slow headers, stalled, trickling or truncated bodies, resets, bytes that are not HTTP,
 * endless streams, oversize bodies, redirects, answers that echo the caller's key). For proving a client
 * against real transports, where an in-memory fake cannot reach.
 *
 * Node only: import it from `@deepset-tokens/wire/SocketScript`.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { gzip } from "node:zlib"
import { type Cors, corsHeaders, corsOf, preflightHeaders } from "./Cors.js"

/**
 * One scripted answer. Each request takes the next one; with the script empty, requests get a JSON `404`.
 * Every answer closes its connection after it (`Connection: close`), so no request depends on a client's pool.
 *
 * - `Respond`: a normal answer (`Content-Length` set unless `chunked`).
 * - `Gzip`: `body` gzip-compressed (with `Content-Encoding` and the compressed `Content-Length`) when the
 *   request accepts gzip, as is, uncompressed, when it does not; like a real server. With `always`, compressed
 *   whatever the request asked for, like a server that ignores `Accept-Encoding` (or a browser that dropped
 *   the client's `identity`).
 * - `Echo`: `status` with the `Authorization` header the request carried echoed back in the JSON body and
 *   in the `x-request-id` and `www-authenticate` headers, as a hostile or careless server might.
 * - `SlowHeaders`: wait `ms` before answering with `then`.
 * - `StallBody`: send the headers (declaring a larger body) and `prefix`, then nothing, ever.
 * - `Trickle`: declare `body` in full, then send it one byte every `everyMs`: every byte is on time, the
 *   whole is slow.
 * - `Truncate`: declare a larger body, send `prefix`, then end the connection cleanly.
 * - `ResetMidBody`: send the headers and `prefix`, then reset the connection.
 * - `Reset`: reset the connection before any byte of the answer.
 * - `Endless`: a JSON body that never ends: chunked, or declaring `contentLength` bytes (say a gigabyte) that
 *   keep coming for as long as the client reads.
 * - `Raw`: write `bytes` to the socket as they are (not HTTP), then end it, reset it, or hang.
 *
 * @category models
 * @since 0.1.0
 */
export type SocketScript =
  | {
    readonly _tag: "Respond"
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string
    readonly chunked?: boolean
  }
  | {
    readonly _tag: "Gzip"
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body: string
    readonly always?: boolean
  }
  | { readonly _tag: "Echo"; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  | { readonly _tag: "SlowHeaders"; readonly ms: number; readonly then: SocketScript }
  | { readonly _tag: "StallBody"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "Trickle"; readonly status: number; readonly body: string; readonly everyMs: number }
  | { readonly _tag: "Truncate"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "ResetMidBody"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "Reset" }
  | { readonly _tag: "Endless"; readonly status: number; readonly contentLength?: number }
  | { readonly _tag: "Raw"; readonly bytes: string; readonly then: "end" | "reset" | "hang" }

/**
 * What the server saw of one request. `authorization` is kept so tests can prove which origins received
 * the key; it never leaves the test. `host` tells apart origins that reach the same server (`127.0.0.1`
 * and `localhost`).
 *
 * @category models
 * @since 0.1.0
 */
export interface SeenRequest {
  readonly method: string
  readonly url: string
  readonly host: string | undefined
  readonly authorization: string | undefined
}

/**
 * A listening script server. Every method is synchronous except `close`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ScriptServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Queues steps for the next requests, in order. */
  readonly script: (...steps: ReadonlyArray<SocketScript>) => void
  readonly requests: () => ReadonlyArray<SeenRequest>
  /**
   * Answers begun and not yet over: neither fully sent nor cut off by a closed connection. A client that
   * abandons a stalled or endless body without closing its connection leaves one here.
   */
  readonly inFlight: () => number
  /** Sockets open right now: a client that leaks connections shows here. */
  readonly openSockets: () => number
  /** Sockets closed so far, by either side. */
  readonly closedSockets: () => number
  /** Destroys every socket (which cancels every pending timer of their answers) and closes the server. */
  readonly close: () => Promise<void>
}

const json = { "content-type": "application/json" }
const notFound: SocketScript = { _tag: "Respond", status: 404, headers: json, body: "{\"detail\":\"Not Found\"}" }

/** Headers declaring `declared` more bytes than will ever be sent after `prefix`. */
const declaring = (prefix: string, declared: number) => ({
  ...json,
  "content-length": String(Buffer.byteLength(prefix) + declared)
})

/** Runs `f` after `ms`, unless the answer is over first (then the timer goes with it). */
const later = (res: ServerResponse, ms: number, f: () => void) => {
  const timer = setTimeout(f, ms)
  res.once("close", () => clearTimeout(timer))
}

/**
 * Answers one request as `step` says.
 *
 * @category running
 * @since 0.1.0
 */
export const perform = (step: SocketScript, req: IncomingMessage, res: ServerResponse): void => {
  switch (step._tag) {
    case "Respond": {
      const body = Buffer.from(step.body ?? "")
      const headers: Record<string, string> = { ...step.headers }
      if (step.chunked !== true) headers["content-length"] = String(body.length)
      res.writeHead(step.status, headers)
      // Two writes so a chunked body really arrives in more than one chunk, split by bytes: a character may
      // straddle the two, as it may in any real stream.
      if (step.chunked === true && body.length > 1) res.write(body.subarray(0, body.length >> 1))
      res.end(step.chunked === true && body.length > 1 ? body.subarray(body.length >> 1) : body)
      return
    }
    case "Gzip": {
      const send = (body: Buffer, encoded: boolean) => {
        if (res.destroyed) return
        res.writeHead(step.status, {
          ...step.headers,
          ...(encoded ? { "content-encoding": "gzip" } : {}),
          "content-length": String(body.length)
        })
        res.end(body)
      }
      if (step.always !== true && !/\bgzip\b/i.test(String(req.headers["accept-encoding"] ?? ""))) {
        send(Buffer.from(step.body), false)
      } else {
        // Compressed off the event loop: a large body would otherwise stall every other socket and timer here.
        gzip(step.body, (error, body) => error === null ? send(body, true) : res.destroy(error))
      }
      return
    }
    case "Echo": {
      const seen = req.headers.authorization ?? ""
      const body = JSON.stringify({ detail: `rejected credentials: ${seen}` })
      res.writeHead(step.status, {
        ...json,
        "x-request-id": seen,
        "www-authenticate": seen,
        ...step.headers,
        "content-length": String(Buffer.byteLength(body))
      })
      res.end(body)
      return
    }
    case "SlowHeaders":
      later(res, step.ms, () => perform(step.then, req, res))
      return
    case "StallBody":
      res.writeHead(step.status, declaring(step.prefix, 1000))
      res.write(step.prefix)
      return
    case "Trickle": {
      res.writeHead(step.status, declaring(step.body, 0))
      const bytes = Buffer.from(step.body)
      let sent = 0
      const timer = setInterval(() => {
        if (sent < bytes.length) res.write(bytes.subarray(sent, ++sent))
        if (sent >= bytes.length) {
          clearInterval(timer)
          res.end()
        }
      }, step.everyMs)
      res.once("close", () => clearInterval(timer))
      return
    }
    case "Truncate":
      res.writeHead(step.status, declaring(step.prefix, 1000))
      res.write(step.prefix, () => res.socket?.end())
      return
    case "ResetMidBody":
      res.writeHead(step.status, declaring(step.prefix, 1000))
      res.write(step.prefix, () => res.socket?.resetAndDestroy())
      return
    case "Reset":
      req.socket.resetAndDestroy()
      return
    case "Endless": {
      res.writeHead(
        step.status,
        step.contentLength === undefined ? json : { ...json, "content-length": String(step.contentLength) }
      )
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
          // keep writing until the socket pushes back; "drain" resumes
        }
      }
      res.on("drain", pump)
      pump()
      return
    }
    case "Raw": {
      const socket = req.socket
      socket.write(step.bytes, () => {
        if (step.then === "end") socket.end()
        else if (step.then === "reset") socket.resetAndDestroy()
      })
      return
    }
  }
}

/**
 * Starts a script server on `127.0.0.1` and an ephemeral port. Rejects when the server cannot listen. With
 * `cors`, a page in a browser can call it: preflights are answered at once, outside the script.
 *
 * @category constructors
 * @since 0.1.0
 */
export const listenScriptServer = (
  options: { readonly cors?: boolean | Cors | undefined } = {}
): Promise<ScriptServer> =>
  new Promise((resolve, reject) => {
    const cors = corsOf(options.cors)
    const queue: Array<SocketScript> = []
    const seen: Array<SeenRequest> = []
    const sockets = new Set<Socket>()
    const answers = new Set<ServerResponse>()
    let closed = 0
    const server = createServer((req, res) => {
      const origin = req.headers.origin
      // A preflight is the browser asking, not the page: it takes no scripted answer and is not recorded.
      if (cors !== undefined && req.method === "OPTIONS") {
        res.writeHead(204, preflightHeaders(cors, origin, req.headers["access-control-request-headers"])).end()
        return
      }
      if (cors !== undefined) {
        for (const [name, value] of Object.entries(corsHeaders(cors, origin))) res.setHeader(name, value)
      }
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        host: req.headers.host,
        authorization: req.headers.authorization
      })
      answers.add(res)
      res.once("close", () => answers.delete(res))
      // One connection per request. A pooled connection that the server is closing (as idle, or because a
      // test just ended and its port was handed to the next test's server) fails the next request on it:
      // a real race, but a script counting requests would meet it by accident.
      res.setHeader("connection", "close")
      req.resume()
      perform(queue.shift() ?? notFound, req, res)
    })
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.once("close", () => {
        sockets.delete(socket)
        closed++
      })
      // A reset is what we send on purpose; the server must not treat it as its own failure.
      socket.on("error", () => {})
    })
    // A client that sends garbage is not the server's failure either.
    server.on("clientError", (_, socket) => socket.destroy())
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        script: (...steps) => void queue.push(...steps),
        requests: () => seen.slice(),
        inFlight: () => answers.size,
        openSockets: () => sockets.size,
        closedSockets: () => closed,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
