/**
 * A real forward proxy on loopback for tests (the maintained `proxy` package, not a hand-rolled one), with
 * a record of everything it received, and a TLS front to put an https origin in front of the simulator.
 *
 * Import it from `@deepset-tokens/testing/ForwardProxy`; it needs the `proxy` package (an optional peer).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingMessage } from "node:http"
import { type AddressInfo, connect, type Server, type Socket } from "node:net"
import { createServer as createTlsServer } from "node:tls"
import { createProxy } from "proxy"
import { cert, key } from "./internal/loopbackCert.js"

/**
 * How the proxy treats what it receives:
 * - `forward`: as the `proxy` package does: CONNECT tunnels, absolute-form requests forwarded;
 * - `reset`: reads the request line and headers, then resets the connection;
 * - `stall`: reads them and never answers (until the scope closes).
 *
 * @category models
 * @since 0.1.0
 */
export type Mode = "forward" | "reset" | "stall"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly mode?: Mode | undefined
  /** Require `Proxy-Authorization: Basic` with these; anything else gets the package's own 407. */
  readonly credentials?: { readonly user: string; readonly password: string } | undefined
}

/**
 * One request the proxy received: `CONNECT host:port`, or an absolute-form `GET http://host/path`. Headers
 * as they arrived (`proxy-authorization` included, so tests can check what was sent).
 *
 * @category models
 * @since 0.1.0
 */
export interface SeenRequest {
  readonly method: string
  readonly target: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** `http://127.0.0.1:port`, without credentials. */
  readonly url: string
  readonly port: number
  /** `http://user:password@127.0.0.1:port` when `credentials` were given; `url` otherwise. */
  readonly urlWithCredentials: string
  /** The requests it received, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<SeenRequest>>
  /**
   * Every byte any client sent it, tunnelled bytes included, as latin1: all that a proxy could log or
   * inspect. A key that travels inside TLS through a CONNECT tunnel is not in here.
   */
  readonly received: Effect.Effect<string>
  /**
   * Client connections open now: a client that gave up (a timeout, a body over its cap) must have closed its
   * own, whatever the origin still does.
   */
  readonly openConnections: Effect.Effect<number>
}

/**
 * @category errors
 * @since 0.1.0
 */
export class ForwardProxyError extends Data.TaggedError("ForwardProxyError")<{ readonly cause: unknown }> {}

const listen = (server: Server) =>
  Effect.async<number, ForwardProxyError>((resume) => {
    server.once("error", (cause) => resume(Effect.fail(new ForwardProxyError({ cause }))))
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
  })

/** Tracks sockets so that closing the scope destroys them all: nothing is left open behind a test. */
const tracked = () => {
  const sockets = new Set<Socket>()
  return {
    add: (socket: Socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      // Resets are what these tests cause on purpose.
      socket.on("error", () => {})
      return socket
    },
    size: () => sockets.size,
    destroyAll: () => {
      for (const socket of sockets) socket.destroy()
    }
  }
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

/**
 * Starts a forward proxy on `127.0.0.1` and an ephemeral port for the current scope.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, ForwardProxyError, Scope.Scope> =>
  Effect.gen(function*() {
    const mode = options.mode ?? "forward"
    const seen: Array<SeenRequest> = []
    const bytes: Array<Buffer> = []
    const clients = tracked()
    const upstreams = tracked()
    const server = createProxy(createServer())
    const credentials = options.credentials
    if (credentials !== undefined) {
      const expected = basic(credentials.user, credentials.password)
      server.authenticate = (req) => req.headers["proxy-authorization"] === expected
    }
    // The package's own listeners run behind a recorder that can also make it misbehave.
    const onRequest = server.listeners("request") as Array<(...args: Array<unknown>) => void>
    const onConnect = server.listeners("connect") as Array<(...args: Array<unknown>) => void>
    server.removeAllListeners("request").removeAllListeners("connect")
    const intercept =
      (listeners: Array<(...args: Array<unknown>) => void>) => (req: IncomingMessage, ...rest: Array<unknown>) => {
        seen.push({ method: req.method ?? "", target: req.url ?? "", headers: { ...req.headers } })
        if (mode === "reset") return req.socket.resetAndDestroy()
        if (mode === "stall") return
        for (const listener of listeners) listener.call(server, req, ...rest)
      }
    server.on("request", intercept(onRequest))
    server.on("connect", intercept(onConnect))
    server.on("connection", (socket: Socket) => {
      clients.add(socket).on("data", (chunk: Buffer) => bytes.push(chunk))
      // The package pipes a tunnel's upstream socket into the client's, and leaves it open when the client
      // goes away mid-answer (paused, it never sees the origin close either). Closing it then, as a proxy in
      // production would, keeps an endless answer from outliving the test.
      socket.on("pipe", (upstream: Socket) => {
        upstreams.add(upstream)
        socket.once("close", () => upstream.destroy())
      })
    })
    server.on("clientError", (_, socket) => socket.destroy())
    yield* Effect.acquireRelease(listen(server), () =>
      Effect.async<void>((resume) => {
        clients.destroyAll()
        upstreams.destroyAll()
        server.close(() => resume(Effect.void))
      }))
    const port = (server.address() as AddressInfo).port
    const url = `http://127.0.0.1:${port}`
    return {
      url,
      port,
      urlWithCredentials: credentials === undefined
        ? url
        : `http://${encodeURIComponent(credentials.user)}:${
          encodeURIComponent(credentials.password)
        }@127.0.0.1:${port}`,
      requests: Effect.sync(() => seen.slice()),
      received: Effect.sync(() => Buffer.concat(bytes).toString("latin1")),
      openConnections: Effect.sync(() => clients.size())
    }
  })

/**
 * The certificate the TLS front serves (for `127.0.0.1` and `localhost`, self-signed): trust it as a CA,
 * e.g. `{ ca: loopbackCa }` in TLS options, or a file of it in `NODE_EXTRA_CA_CERTS` for a subprocess.
 *
 * @category constants
 * @since 0.1.0
 */
export const loopbackCa: string = cert

/**
 * An https origin on `127.0.0.1` in front of a plain-HTTP server on loopback (the simulator, say): it
 * ends TLS and passes the bytes on, as a load balancer would. Gives its `https://127.0.0.1:port` URL.
 *
 * @category constructors
 * @since 0.1.0
 */
export const tlsFront = (targetPort: number): Effect.Effect<string, ForwardProxyError, Scope.Scope> =>
  Effect.gen(function*() {
    const sockets = tracked()
    const server = createTlsServer({ key, cert }, (tlsSocket) => {
      const upstream = sockets.add(connect(targetPort, "127.0.0.1"))
      sockets.add(tlsSocket)
      tlsSocket.pipe(upstream).pipe(tlsSocket)
      upstream.once("close", () => tlsSocket.destroy())
      tlsSocket.once("close", () => upstream.destroy())
    })
    server.on("connection", (socket: Socket) => sockets.add(socket))
    // A client that gives up during the handshake is not the server's failure.
    server.on("tlsClientError", () => {})
    const port = yield* Effect.acquireRelease(listen(server), () =>
      Effect.async<void>((resume) => {
        sockets.destroyAll()
        server.close(() => resume(Effect.void))
      }))
    return `https://127.0.0.1:${port}`
  })
