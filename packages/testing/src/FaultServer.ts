/**
 * A real HTTP server on loopback that misbehaves on purpose, at the socket level: slow headers, stalled
 * or truncated bodies, resets, endless streams, oversize bodies and redirects. For proving a client against
 * real transports, where an in-memory fake cannot reach.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

/**
 * One scripted answer. Each request takes the next one; with the script empty, requests get `404`.
 *
 * - `respond`: a normal answer (`Content-Length` set unless `chunked`).
 * - `slowHeaders`: wait `ms` before answering with `then`.
 * - `stallBody`: send the headers (declaring a larger body) and `prefix`, then nothing, ever.
 * - `truncate`: declare a larger body, send `prefix`, then end the connection cleanly.
 * - `resetMidBody`: send the headers and `prefix`, then reset the connection.
 * - `reset`: reset the connection before any byte of the answer.
 * - `endless`: a chunked body that never ends.
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
  | { readonly _tag: "slowHeaders"; readonly ms: number; readonly then: Behavior }
  | { readonly _tag: "stallBody"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "truncate"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "resetMidBody"; readonly status: number; readonly prefix: string }
  | { readonly _tag: "reset" }
  | { readonly _tag: "endless"; readonly status: number }

/**
 * What the server saw of one request. `authorization` is kept so tests can prove which origins received
 * the key; it never leaves the test.
 *
 * @category models
 * @since 0.1.0
 */
export interface SeenRequest {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  readonly url: string
  /** Queues behaviors for the next requests, in order. */
  readonly script: (...behaviors: ReadonlyArray<Behavior>) => Effect.Effect<void>
  readonly requests: Effect.Effect<ReadonlyArray<SeenRequest>>
  /** Sockets open right now: a client that leaks connections shows here. */
  readonly openSockets: Effect.Effect<number>
  /** Sockets whose peer closed them, in total. */
  readonly closedSockets: Effect.Effect<number>
}

/**
 * @category tags
 * @since 0.1.0
 */
export class FaultServer extends Context.Tag("@deepset-tokens/testing/FaultServer")<FaultServer, Service>() {}

const json = { "content-type": "application/json" }

const perform = (behavior: Behavior, req: IncomingMessage, res: ServerResponse, timers: Set<NodeJS.Timeout>) => {
  switch (behavior._tag) {
    case "respond": {
      const body = behavior.body ?? ""
      const headers: Record<string, string> = { ...behavior.headers }
      if (behavior.chunked !== true) headers["content-length"] = String(Buffer.byteLength(body))
      res.writeHead(behavior.status, headers)
      res.end(body)
      return
    }
    case "slowHeaders": {
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!res.destroyed) perform(behavior.then, req, res, timers)
      }, behavior.ms)
      timers.add(timer)
      return
    }
    case "stallBody":
      res.writeHead(behavior.status, { ...json, "content-length": String(Buffer.byteLength(behavior.prefix) + 1000) })
      res.write(behavior.prefix)
      return
    case "truncate":
      res.writeHead(behavior.status, { ...json, "content-length": String(Buffer.byteLength(behavior.prefix) + 1000) })
      res.write(behavior.prefix, () => res.socket?.end())
      return
    case "resetMidBody":
      res.writeHead(behavior.status, { ...json, "content-length": String(Buffer.byteLength(behavior.prefix) + 1000) })
      res.write(behavior.prefix, () => res.socket?.resetAndDestroy())
      return
    case "reset":
      req.socket.resetAndDestroy()
      return
    case "endless": {
      res.writeHead(behavior.status, json)
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
          // keep writing until the socket pushes back
        }
      }
      res.on("drain", pump)
      pump()
      return
    }
  }
}

/**
 * Starts a fault server on `127.0.0.1` and an ephemeral port for the current scope. Closing the scope
 * destroys every socket and closes the server.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly service: Service; readonly close: () => Promise<void> }>((resume) => {
    const queue: Array<Behavior> = []
    const seen: Array<SeenRequest> = []
    const sockets = new Set<Socket>()
    const timers = new Set<NodeJS.Timeout>()
    let closed = 0
    const server = createServer((req, res) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization })
      req.resume()
      perform(
        queue.shift() ?? { _tag: "respond", status: 404, headers: json, body: "{\"detail\":\"Not Found\"}" },
        req,
        res,
        timers
      )
    })
    server.keepAliveTimeout = 500
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => {
        sockets.delete(socket)
        closed++
      })
      // A reset is what we send on purpose; the server must not treat it as its own failure.
      socket.on("error", () => {})
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({
        service: {
          url: `http://127.0.0.1:${port}`,
          script: (...behaviors) => Effect.sync(() => void queue.push(...behaviors)),
          requests: Effect.sync(() => seen.slice()),
          openSockets: Effect.sync(() => sockets.size),
          closedSockets: Effect.sync(() => closed)
        },
        close: () =>
          new Promise<void>((done) => {
            for (const timer of timers) clearTimeout(timer)
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
export const layer: Layer.Layer<FaultServer> = Layer.scoped(FaultServer, make)
