/**
 * A small `HttpClient` on `node:http` and `node:https`: what the CLI sends its requests with.
 *
 * In a fresh process one `fetch` costs about three times Node's own start (Node loads its bundled undici on
 * the first call, and its keep-alive socket holds the process open after the answer); one `node:http`
 * request costs a fraction of that. `node:https` loads only for an `https:` URL. No connection is kept
 * alive, so nothing holds the process open once the answer is read, and redirects are never followed
 * (`node:http` has no such feature): a 3xx is an answer like any other.
 *
 * @since 0.1.0
 */
import { BodyAccumulator, decodeText } from "@deepset-tokens/wire"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import type { Route } from "./ProxyEnv.js"
import * as ProxyTunnel from "./ProxyTunnel.js"

type RequestModule = Pick<typeof Http, "request">

const noop = () => {}

class NodeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private cachedHeaders: Headers.Headers | undefined = undefined

  constructor(readonly request: HttpClientRequest.HttpClientRequest, private readonly source: Http.IncomingMessage) {
    super()
    // A reset after the headers is reported by whoever reads the body; unread, it must not crash the process.
    source.on("error", noop)
  }

  get status() {
    return this.source.statusCode ?? 0
  }

  get headers(): Headers.Headers {
    return this.cachedHeaders ??= Headers.fromInput(this.source.headers)
  }

  get cookies(): Cookies.Cookies {
    const setCookie = this.source.headers["set-cookie"]
    return setCookie === undefined ? Cookies.empty : Cookies.fromSetCookie(setCookie)
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.source.socket?.remoteAddress)
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  /** The whole body. Interrupting the read destroys the response, which closes its connection. */
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) => new Uint8Array(bytes).buffer)
  }

  private get bytes(): Effect.Effect<Uint8Array, HttpClientError.ResponseError> {
    const source = this.source
    return Effect.async((resume) => {
      if (source.readableEnded || source.destroyed) {
        resume(Effect.fail(this.decodeError(source.errored ?? new Error("the body was already read or closed"))))
        return
      }
      // No cap: this is a general client, and its caller (`ApiTokens`) bounds the body it reads.
      const body = new BodyAccumulator(Infinity)
      const onData = (chunk: Buffer) => body.push(chunk)
      const done = (result: Effect.Effect<Uint8Array, HttpClientError.ResponseError>) => {
        source.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose)
        resume(result)
      }
      const onEnd = () => done(Effect.succeed(body.bytes()))
      const onError = (cause: Error) => done(Effect.fail(this.decodeError(cause)))
      // A connection that closes before the body ended, without an error event.
      const onClose = () =>
        done(Effect.fail(this.decodeError(new Error("the connection closed before the body ended"))))
      source.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose)
      return Effect.sync(() => {
        source.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose)
        source.destroy()
      })
    })
  }

  /** UTF-8, a byte-order mark dropped, as fetch's `text()` reads it. */
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, decodeText)
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => text === "" ? null : JSON.parse(text) as unknown,
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.decodeError(new Error("this client does not decode form data")))
  }

  /** The body as it arrives. Ending the stream early destroys the response, which closes its connection. */
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromAsyncIterable<Uint8Array, HttpClientError.ResponseError>(
      this.source,
      (cause) => this.decodeError(cause)
    )
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
}

const requestError = (
  request: HttpClientRequest.HttpClientRequest,
  reason: HttpClientError.RequestError["reason"],
  cause: unknown
) => new HttpClientError.RequestError({ request, reason, cause })

const bodyOf = (request: HttpClientRequest.HttpClientRequest): Uint8Array | string | undefined | null => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return undefined
    case "Uint8Array":
      return body.body
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array ? body.body : null
    case "FormData":
    case "Stream":
      return null
  }
}

// `node:https` (TLS and crypto with it) is loaded by the first https request, not at startup.
let https: Promise<RequestModule> | undefined

const moduleFor = (url: URL): Effect.Effect<RequestModule, unknown> | undefined =>
  url.protocol === "http:"
    ? Effect.succeed(Http)
    : url.protocol === "https:"
    ? Effect.tryPromise(() => https ??= import("node:https"))
    : undefined

const direct: Route = { _tag: "Direct" }

/** The route `ProxyTunnel.ProxyRouting` gives this request; direct without one. */
const routeOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>, url: URL): Route =>
  Option.match(Context.getOption(fiber.getFiberRef(FiberRef.currentContext), ProxyTunnel.ProxyRouting), {
    onNone: () => direct,
    onSome: (routing) => routing(url)
  })

const send = (
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal,
  route: Route
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  if (route._tag === "Invalid") {
    // Never quotes the setting: a proxy URL may hold a password.
    return Effect.fail(requestError(request, "InvalidUrl", new Error(`${route.source}: ${route.reason}`)))
  }
  const transport = moduleFor(url)
  if (transport === undefined) {
    return Effect.fail(requestError(request, "InvalidUrl", new Error(`unsupported protocol ${url.protocol}`)))
  }
  const body = bodyOf(request)
  if (body === null) {
    return Effect.fail(requestError(request, "Encode", new Error(`this client sends no ${request.body._tag} body`)))
  }
  return Effect.flatMap(
    Effect.mapError(transport, (cause) => requestError(request, "Transport", cause)),
    (module) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
        let settled = false
        const settle = (effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>) => {
          if (settled) return
          settled = true
          resume(effect)
        }
        let nodeRequest: Http.ClientRequest
        try {
          // `agent: false`: a one-off agent without keep-alive. The request says `Connection: close` and its
          // socket closes after the answer instead of waiting in a pool. `signal` aborts at any stage.
          nodeRequest = route._tag === "Proxy"
            ? ProxyTunnel.request(url, route.proxy, { http: Http, https: module }, {
              method: request.method,
              headers: request.headers,
              signal
            })
            : module.request(url, { method: request.method, headers: request.headers, agent: false, signal })
        } catch (cause) {
          // Invalid header values and the like throw synchronously.
          settle(Effect.fail(requestError(request, "Encode", cause)))
          return
        }
        // Errors after the answer arrived belong to the body's reader; one left unheard would crash the process.
        nodeRequest.on("error", (cause) =>
          settle(
            Effect.fail(
              requestError(request, "Transport", route._tag === "Proxy" ? ProxyTunnel.via(route.proxy, cause) : cause)
            )
          ))
        nodeRequest.on("response", (response) => settle(Effect.succeed(new NodeResponse(request, response))))
        nodeRequest.end(body)
        return Effect.sync(() => nodeRequest.destroy())
      })
  )
}

/**
 * An `HttpClient` on `node:http` / `node:https`: one connection per request, closed after the answer, and
 * redirects never followed. It sends empty, `Uint8Array` and string bodies; `formData` is not decoded. A
 * `ProxyTunnel.ProxyRouting` in the request's context sends it through a proxy.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal, fiber) => send(request, url, signal, routeOf(fiber, url)))

/**
 * The client as a layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.sync(HttpClient.HttpClient, make)
