/**
 * A real HTTP server on loopback that misbehaves on purpose, at the socket level: slow headers, stalled,
 * trickling or truncated bodies, resets, bytes that are not HTTP, endless streams, oversize bodies, redirects
 * and answers that echo the caller's key. For proving a client against real transports, where an in-memory
 * fake cannot reach.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { gzip } from "node:zlib"

/**
 * One scripted answer. Each request takes the next one; with the script empty, requests get a JSON `404`.
 * Every answer closes its connection after it (`Connection: close`), so no request depends on a client's pool.
 *
 * - `respond`: a normal answer (`Content-Length` set unless `chunked`).
 * - `gzip`: `body` gzip-compressed (with `Content-Encoding` and the compressed `Content-Length`) when the
 *   request accepts gzip, as is, uncompressed, when it does not; like a real server.
 * - `echo`: `status` with the `Authorization` header the request carried echoed back in the JSON body and
 *   in the `x-request-id` and `www-authenticate` headers, as a hostile or careless server might.
 * - `slowHeaders`: wait `ms` before answering with `then`.
 * - `stallBody`: send the headers (declaring a larger body) and `prefix`, then nothing, ever.
 * - `trickle`: declare `body` in full, then send it one byte every `everyMs`: every byte is on time, the
 *   whole is slow.
 * - `truncate`: declare a larger body, send `prefix`, then end the connection cleanly.
 * - `resetMidBody`: send the headers and `prefix`, then reset the connection.
 * - `reset`: reset the connection before any byte of the answer.
 * - `endless`: a JSON body that never ends: chunked, or declaring `contentLength` bytes (say a gigabyte) that
 *   keep coming for as long as the client reads.
 * - `raw`: write `bytes` to the socket as they are (not HTTP), then end it, reset it, or hang.
 *
 * @category models
 * @since 0.1.0
 */
export type Behavior =
  | {
    readonly _tag: "respond"
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string
    readonly chunked?: boolean
  }
  | {
    readonly _tag: "gzip"
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body: string
  }
  | { readonly _tag: "echo"; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  | { readonly _tag: "slowHeaders"; readonly ms: number; readonly then: Behavior }
  | { readonly _tag: "stallBody"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "trickle"; readonly status: number; readonly body: string; readonly everyMs: number }
  | { readonly _tag: "truncate"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "resetMidBody"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "reset" }
  | { readonly _tag: "endless"; readonly status: number; readonly contentLength?: number }
  | { readonly _tag: "raw"; readonly bytes: string; readonly then: "end" | "reset" | "hang" }

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
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Queues behaviors for the next requests, in order. */
  readonly script: (...behaviors: ReadonlyArray<Behavior>) => Effect.Effect<void>
  readonly requests: Effect.Effect<ReadonlyArray<SeenRequest>>
  /**
   * Answers begun and not yet over: neither fully sent nor cut off by a closed connection. A client that
   * abandons a stalled or endless body without closing its connection leaves one here.
   */
  readonly inFlight: Effect.Effect<number>
  /** Sockets open right now: a client that leaks connections shows here. */
  readonly openSockets: Effect.Effect<number>
  /** Sockets closed so far, by either side. */
  readonly closedSockets: Effect.Effect<number>
}

/**
 * The server could not start listening.
 *
 * @category errors
 * @since 0.1.0
 */
export class FaultServerError extends Data.TaggedError("FaultServerError")<{ readonly cause: unknown }> {}

/**
 * @category tags
 * @since 0.1.0
 */
export class FaultServer extends Context.Tag("@deepset-tokens/testing/FaultServer")<FaultServer, Service>() {}

const json = { "content-type": "application/json" }
const notFound: Behavior = { _tag: "respond", status: 404, headers: json, body: "{\"detail\":\"Not Found\"}" }

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

const perform = (behavior: Behavior, req: IncomingMessage, res: ServerResponse): void => {
  switch (behavior._tag) {
    case "respond": {
      const body = behavior.body ?? ""
      const headers: Record<string, string> = { ...behavior.headers }
      if (behavior.chunked !== true) headers["content-length"] = String(Buffer.byteLength(body))
      res.writeHead(behavior.status, headers)
      // Two writes so a chunked body really arrives in more than one chunk.
      if (behavior.chunked === true && body.length > 1) res.write(body.slice(0, body.length >> 1))
      res.end(behavior.chunked === true && body.length > 1 ? body.slice(body.length >> 1) : body)
      return
    }
    case "gzip": {
      const send = (body: Buffer, encoded: boolean) => {
        if (res.destroyed) return
        res.writeHead(behavior.status, {
          ...behavior.headers,
          ...(encoded ? { "content-encoding": "gzip" } : {}),
          "content-length": String(body.length)
        })
        res.end(body)
      }
      if (!/\bgzip\b/i.test(String(req.headers["accept-encoding"] ?? ""))) send(Buffer.from(behavior.body), false)
      // Compressed off the event loop: a large body would otherwise stall every other socket and timer here.
      else gzip(behavior.body, (error, body) => error === null ? send(body, true) : res.destroy(error))
      return
    }
    case "echo": {
      const seen = req.headers.authorization ?? ""
      const body = JSON.stringify({ detail: `rejected credentials: ${seen}` })
      res.writeHead(behavior.status, {
        ...json,
        "x-request-id": seen,
        "www-authenticate": seen,
        ...behavior.headers,
        "content-length": String(Buffer.byteLength(body))
      })
      res.end(body)
      return
    }
    case "slowHeaders":
      later(res, behavior.ms, () => perform(behavior.then, req, res))
      return
    case "stallBody":
      res.writeHead(behavior.status, declaring(behavior.prefix, 1000))
      res.write(behavior.prefix)
      return
    case "trickle": {
      res.writeHead(behavior.status, declaring(behavior.body, 0))
      const bytes = Buffer.from(behavior.body)
      let sent = 0
      const timer = setInterval(() => {
        if (sent < bytes.length) res.write(bytes.subarray(sent, ++sent))
        if (sent >= bytes.length) {
          clearInterval(timer)
          res.end()
        }
      }, behavior.everyMs)
      res.once("close", () => clearInterval(timer))
      return
    }
    case "truncate":
      res.writeHead(behavior.status, declaring(behavior.prefix, 1000))
      res.write(behavior.prefix, () => res.socket?.end())
      return
    case "resetMidBody":
      res.writeHead(behavior.status, declaring(behavior.prefix, 1000))
      res.write(behavior.prefix, () => res.socket?.resetAndDestroy())
      return
    case "reset":
      req.socket.resetAndDestroy()
      return
    case "endless": {
      res.writeHead(
        behavior.status,
        behavior.contentLength === undefined ? json : { ...json, "content-length": String(behavior.contentLength) }
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
    case "raw": {
      const socket = req.socket
      socket.write(behavior.bytes, () => {
        if (behavior.then === "end") socket.end()
        else if (behavior.then === "reset") socket.resetAndDestroy()
      })
      return
    }
  }
}

/**
 * Starts a fault server on `127.0.0.1` and an ephemeral port for the current scope. Closing the scope
 * destroys every socket, cancels every pending timer and closes the server.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, FaultServerError, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly service: Service; readonly close: () => Promise<void> }, FaultServerError>((resume) => {
    const queue: Array<Behavior> = []
    const seen: Array<SeenRequest> = []
    const sockets = new Set<Socket>()
    const answers = new Set<ServerResponse>()
    let closed = 0
    const server = createServer((req, res) => {
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
    server.once("error", (cause) => resume(Effect.fail(new FaultServerError({ cause }))))
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({
        service: {
          url: `http://127.0.0.1:${port}`,
          port,
          script: (...behaviors) => Effect.sync(() => void queue.push(...behaviors)),
          requests: Effect.sync(() => seen.slice()),
          inFlight: Effect.sync(() => answers.size),
          openSockets: Effect.sync(() => sockets.size),
          closedSockets: Effect.sync(() => closed)
        },
        close: () =>
          new Promise<void>((done) => {
            // Destroying a socket closes its answer too, which clears that answer's timers.
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      }))
    })
  }),
  ({ close }) => Effect.promise(close)
).pipe(Effect.map(({ service }) => service))

/**
 * A fault server for the lifetime of the layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<FaultServer, FaultServerError> = Layer.scoped(FaultServer, make)
