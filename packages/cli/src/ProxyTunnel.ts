/**
 * How the CLI's `node:http` client reaches an origin through an HTTP proxy: a plain-HTTP target gets the
 * absolute-form request (`GET http://host/path`) sent to the proxy; an https target gets a `CONNECT`
 * tunnel with TLS run inside it, so the proxy sees the host and port and nothing of the request.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Http from "node:http"
import { isIP, type Socket } from "node:net"
import type { Duplex } from "node:stream"
import type * as Tls from "node:tls"
import type { Proxy, Route } from "./ProxyEnv.js"

/**
 * The route of each request, which the `node:http` client reads from the context of the request (as the
 * platform's fetch client reads `FetchHttpClient.RequestInit`). Without it, every request goes direct.
 *
 * @category context
 * @since 0.1.0
 */
export class ProxyRouting extends Context.Tag("@deepset-tokens/cli/ProxyRouting")<
  ProxyRouting,
  (url: URL) => Route
>() {}

/**
 * The proxy refused the tunnel (or, for a plain-http target, the request) with a non-2xx (a 407). The
 * message shows the proxy without credentials, and the status.
 *
 * @category errors
 * @since 0.1.0
 */
export class TunnelRefused extends Error {
  constructor(
    readonly proxy: string,
    readonly status: number,
    statusMessage: string | undefined,
    what: "tunnel" | "request" = "tunnel"
  ) {
    super(`the proxy ${proxy} refused the ${what}: ${status}${statusMessage ? ` ${statusMessage}` : ""}`)
  }
}

/**
 * A failure on the way through the proxy, named after it (without credentials) so that a refused or reset
 * connection says which hop failed. A refused tunnel already says so.
 *
 * @category errors
 * @since 0.1.0
 */
export const via = (proxy: Proxy, cause: Error): Error =>
  cause instanceof TunnelRefused ? cause : new Error(`through the proxy ${proxy.display}`, { cause })

interface Options {
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly signal: AbortSignal
}

type Modules = {
  readonly http: typeof Http
  readonly https: Pick<typeof Http, "request">
}

// TLS is needed only once a tunnel is up; `node:https` has loaded it by then anyway.
let tls: Promise<typeof Tls> | undefined

const authorization = (proxy: Proxy): Record<string, string> =>
  proxy.authorization === undefined ? {} : { "proxy-authorization": proxy.authorization }

/**
 * Sends `url` through `proxy`. `https` is `node:https` for an https URL (the caller loaded it) and
 * `node:http` otherwise. Like a direct request: no keep-alive, and `signal` aborts it at any stage,
 * the tunnel's setup included.
 *
 * @category requests
 * @since 0.1.0
 */
export const request = (url: URL, proxy: Proxy, modules: Modules, options: Options): Http.ClientRequest => {
  if (url.protocol === "http:") {
    // The absolute form: the proxy connects to the origin and forwards the request, headers and all.
    const forwarded = modules.http.request({
      host: proxy.host,
      port: proxy.port,
      method: options.method,
      path: url.href,
      headers: { ...options.headers, host: url.host, ...authorization(proxy) },
      agent: false,
      signal: options.signal
    })
    // A 407 is the proxy's answer, not the API's: a refusal like a refused tunnel, not an odd status. This
    // listener runs before the caller's, which then finds the request already failed.
    forwarded.prependOnceListener("response", (response: Http.IncomingMessage) => {
      if (response.statusCode !== 407) return
      const refused = new TunnelRefused(proxy.display, 407, response.statusMessage, "request")
      forwarded.destroy()
      if (forwarded.listenerCount("error") > 0) forwarded.emit("error", refused)
    })
    return forwarded
  }
  const port = url.port === "" ? 443 : Number(url.port)
  const hostname = url.hostname.replace(/^\[|\]$/g, "")
  let connect: Http.ClientRequest | undefined
  const main = modules.https.request(url, {
    method: options.method,
    headers: options.headers,
    signal: options.signal,
    // No agent: the request takes the socket `createConnection` hands it. Without an agent Node does not
    // know the https default port, and would write `Host: name:80`.
    defaultPort: 443,
    createConnection: (_: unknown, done: (error: Error | null, socket: Duplex) => void) => {
      // A request without a socket yet does not emit the error it is destroyed with (Node emits it once a
      // socket comes, and none will): so the error goes to its listener here, as a direct request's would.
      const fail = (error: Error) => {
        if (main.destroyed) return
        main.destroy()
        if (main.listenerCount("error") > 0) main.emit("error", error)
      }
      const authority = `${url.hostname}:${port}`
      connect = modules.http.request({
        host: proxy.host,
        port: proxy.port,
        method: "CONNECT",
        path: authority,
        headers: { host: authority, ...authorization(proxy) },
        agent: false,
        signal: options.signal
      })
      connect.once("error", fail)
      connect.once("connect", (response: Http.IncomingMessage, socket: Socket, head: Buffer) => {
        if (response.statusCode !== 200) {
          socket.destroy()
          fail(new TunnelRefused(proxy.display, response.statusCode ?? 0, response.statusMessage))
          return
        }
        if (head.length > 0) socket.unshift(head)
        ;(tls ??= import("node:tls")).then(
          (module) =>
            done(
              null,
              // The certificate is checked against the origin's name (or IP), as on a direct connection.
              module.connect({ socket, host: hostname, ...(isIP(hostname) === 0 ? { servername: hostname } : {}) })
            ),
          (error: Error) => {
            socket.destroy()
            fail(error)
          }
        )
      })
      connect.end()
      return undefined
    }
  })
  // A request destroyed while its tunnel is being set up (a timeout, an interruption) takes the tunnel along.
  main.once("close", () => connect?.destroy())
  return main
}
