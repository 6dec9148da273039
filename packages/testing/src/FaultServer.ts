/**
 * A real HTTP server on loopback that misbehaves on purpose, at the socket level: slow headers, stalled,
 * trickling or truncated bodies, resets, bytes that are not HTTP, endless streams, oversize bodies, redirects
 * and answers that echo the caller's key. For proving a client against real transports, where an in-memory
 * fake cannot reach. The socket work is the wire core's script server; this is its Effect service.
 *
 * @since 0.1.0
 */
import type { Cors } from "@deepset-tokens/wire"
import type * as SocketScript from "@deepset-tokens/wire/SocketScript"
import { listenScriptServer } from "@deepset-tokens/wire/SocketScript"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"

/**
 * One scripted answer. Each request takes the next one; with the script empty, requests get a JSON `404`.
 * Every answer closes its connection after it (`Connection: close`), so no request depends on a client's pool.
 *
 * - `Respond`: a normal answer (`Content-Length` set unless `chunked`).
 * - `Gzip`: `body` gzip-compressed (with `Content-Encoding` and the compressed `Content-Length`) when the
 *   request accepts gzip, as is, uncompressed, when it does not; like a real server.
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
 * Each behavior is also a wire-core `SocketScript`, which the server performs as is.
 *
 * @category models
 * @since 0.1.0
 */
export type Behavior = Data.TaggedEnum<{
  Respond: {
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string
    readonly chunked?: boolean
  }
  Gzip: { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body: string }
  Echo: { readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  SlowHeaders: { readonly ms: number; readonly then: Behavior }
  StallBody: { readonly status: number; readonly prefix: string }
  Trickle: { readonly status: number; readonly body: string; readonly everyMs: number }
  Truncate: { readonly status: number; readonly prefix: string }
  ResetMidBody: { readonly status: number; readonly prefix: string }
  Reset: {}
  Endless: { readonly status: number; readonly contentLength?: number }
  Raw: { readonly bytes: string; readonly then: "end" | "reset" | "hang" }
}>

/**
 * Tagged constructors, a guard and a matcher for {@link Behavior}, as `Fault` has.
 *
 * @example
 * ```ts
 * import { FaultServer } from "@deepset-tokens/testing"
 *
 * FaultServer.Behavior.SlowHeaders({ ms: 50, then: FaultServer.Behavior.Respond({ status: 503 }) })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const Behavior = Data.taggedEnum<Behavior>()

/**
 * What the server saw of one request. `authorization` is kept so tests can prove which origins received
 * the key; it never leaves the test. `host` tells apart origins that reach the same server (`127.0.0.1`
 * and `localhost`).
 *
 * @category models
 * @since 0.1.0
 */
export type SeenRequest = SocketScript.SeenRequest

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

/**
 * Options of a fault server.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /**
   * Answer cross-origin requests from a page (off by default): preflights are answered at once, outside the
   * script, and every scripted answer carries the CORS headers, exposing `Retry-After` and `X-Request-Id`
   * unless `exposeHeaders` says otherwise.
   */
  readonly cors?: boolean | Cors | undefined
}

/**
 * Starts a fault server on `127.0.0.1` and an ephemeral port for the current scope, with `options`. Closing
 * the scope destroys every socket, cancels every pending timer and closes the server.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeWith = (options: Options): Effect.Effect<Service, FaultServerError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.tryPromise({ try: () => listenScriptServer(options), catch: (cause) => new FaultServerError({ cause }) }),
      (server) => Effect.promise(server.close)
    ),
    (server): Service => ({
      url: server.url,
      port: server.port,
      // A Behavior is a SocketScript (same tags, same fields): the server performs it as is.
      script: (...behaviors) => Effect.sync(() => server.script(...behaviors)),
      requests: Effect.sync(server.requests),
      inFlight: Effect.sync(server.inFlight),
      openSockets: Effect.sync(server.openSockets),
      closedSockets: Effect.sync(server.closedSockets)
    })
  )

/**
 * Starts a fault server on `127.0.0.1` and an ephemeral port for the current scope. Closing the scope
 * destroys every socket, cancels every pending timer and closes the server.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, FaultServerError, Scope.Scope> = makeWith({})

/**
 * A fault server for the lifetime of the layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<FaultServer, FaultServerError> = Layer.scoped(FaultServer, make)

/**
 * A fault server with `options` for the lifetime of the layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options): Layer.Layer<FaultServer, FaultServerError> =>
  Layer.scoped(FaultServer, makeWith(options))
