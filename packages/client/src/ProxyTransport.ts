/**
 * The transports through an HTTP forward proxy (`HTTPS_PROXY` / `NO_PROXY`), on undici's `ProxyAgent` and
 * `EnvHttpProxyAgent`, keeping each transport's lean path.
 *
 * Import it from `@deepset-tokens/client/ProxyTransport` (Node only; it needs `@effect/platform-node`).
 *
 * **Details**
 *
 * Every request goes through a `CONNECT` tunnel (undici's default). To an `https://` origin, TLS runs inside
 * it, so the proxy sees the host and port, never the path, the headers or the API key. To a plain `http://`
 * origin the tunnel is not encrypted: the proxy can read the key. Proxy credentials in the URL are sent as
 * `Proxy-Authorization: Basic` and never appear in an error. See `packages/client/PROXY.md`.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import Undici from "@effect/platform-node/Undici"
import type * as UndiciTypes from "@effect/platform-node/Undici"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { ApiTokensConfigError } from "./ApiTokensConfigError.js"
import * as FetchTransport from "./FetchTransport.js"
import * as UndiciTransport from "./UndiciTransport.js"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /**
   * The proxy, `http://host:port`, with optional `user:password@` (percent-encoded). A `Redacted` keeps the
   * credentials out of your own logs too. TLS to the API runs inside the tunnel; a proxy spoken to over TLS
   * (`https://`) is not supported.
   */
  readonly url: string | URL | Redacted.Redacted<string>
  /**
   * Hosts reached directly, in undici's `NO_PROXY` syntax: comma- or space-separated names (a name also
   * matches its subdomains; a leading `.` or `*.` is the same), `host:port`, IP addresses, or `*` for all.
   */
  readonly noProxy?: string | undefined
  /** TLS options for the API's own connection (inside the tunnel, or direct), e.g. `{ ca }` for a private CA. */
  readonly tls?: UndiciTypes.buildConnector.BuildOptions | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface EnvOptions {
  /** As in {@link Options}. */
  readonly tls?: UndiciTypes.buildConnector.BuildOptions | undefined
}

interface Parsed {
  /** The URL without credentials: what undici keeps, and all that may ever be shown. */
  readonly uri: string
  readonly token: string | undefined
}

/**
 * Checks a proxy URL and splits off its credentials. No reason ever quotes the input: it may hold a password.
 *
 * @internal
 */
export const parseProxyUrl = (field: string, input: string): Either.Either<Parsed, ApiTokensConfigError> => {
  const fail = (reason: string) => Either.left(new ApiTokensConfigError({ field, reason }))
  if (!URL.canParse(input)) return fail("not an absolute URL; expected http://host:port")
  const url = new URL(input)
  if (url.protocol !== "http:") return fail(`expected an http:// proxy, got ${url.protocol}//`)
  if (url.hostname === "") return fail("the proxy URL has no host")
  let token: string | undefined
  if (url.username !== "" || url.password !== "") {
    try {
      const user = decodeURIComponent(url.username)
      const password = decodeURIComponent(url.password)
      token = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
    } catch {
      return fail("the credentials in the proxy URL are not valid percent-encoding")
    }
  }
  return Either.right({ uri: `${url.protocol}//${url.host}`, token })
}

const urlOf = (url: Options["url"]): string => Redacted.isRedacted(url) ? Redacted.value(url) : String(url)

const construct = <A>(field: string, make: () => A): Effect.Effect<A, ApiTokensConfigError> =>
  Effect.try({
    try: make,
    // undici's messages may quote its options; ours say what was wrong without them.
    catch: () => new ApiTokensConfigError({ field, reason: "undici refused the proxy settings" })
  })

const scopedDispatcher = <D extends UndiciTypes.Dispatcher>(
  field: string,
  make: () => D
): Effect.Effect<D, ApiTokensConfigError, Scope.Scope> =>
  Effect.acquireRelease(construct(field, make), (dispatcher) => Effect.promise(() => dispatcher.destroy()))

/**
 * An undici dispatcher through the proxy, destroyed with the scope: a `ProxyAgent`, or with `noProxy` an
 * `EnvHttpProxyAgent` given every setting explicitly (it reads no environment variable).
 *
 * @category constructors
 * @since 0.1.0
 */
export const dispatcher = (
  options: Options
): Effect.Effect<UndiciTypes.Dispatcher, ApiTokensConfigError, Scope.Scope> =>
  Effect.flatMap(parseProxyUrl("proxy", urlOf(options.url)), ({ token, uri }) => {
    const tls = options.tls ?? {}
    const auth = token === undefined ? {} : { token }
    if (options.noProxy === undefined) {
      return scopedDispatcher("proxy", () => new Undici.ProxyAgent({ uri, ...auth, requestTls: tls }))
    }
    const noProxy = options.noProxy
    return scopedDispatcher(
      "proxy",
      () =>
        new Undici.EnvHttpProxyAgent({
          httpProxy: uri,
          httpsProxy: uri,
          noProxy,
          ...auth,
          requestTls: tls,
          connect: tls
        })
    )
  })

const envVar = (lower: string, upper: string) =>
  // Lower case first, as undici and curl read them; empty means unset.
  Config.option(Config.string(lower)).pipe(
    Config.zipWith(Config.option(Config.string(upper)), (l, u) =>
      Option.orElse(Option.filter(l, (v) => v.trim() !== ""), () => Option.filter(u, (v) => v.trim() !== "")))
  )

/**
 * An `EnvHttpProxyAgent` from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (lower-case names first), read once
 * through `Config` (so a `ConfigProvider` can supply them) and checked: a malformed value is an
 * `ApiTokensConfigError` naming the variable, never quoting it. With none set it connects directly.
 *
 * @category constructors
 * @since 0.1.0
 */
export const dispatcherConfig = (
  options: EnvOptions = {}
): Effect.Effect<UndiciTypes.Dispatcher, ApiTokensConfigError | ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const https = yield* envVar("https_proxy", "HTTPS_PROXY")
    const http = yield* envVar("http_proxy", "HTTP_PROXY")
    const noProxy = yield* envVar("no_proxy", "NO_PROXY")
    const check = (name: string, value: Option.Option<string>) =>
      Option.isNone(value)
        ? Effect.succeed(undefined)
        : Effect.map(parseProxyUrl(name, value.value.trim()), () => value.value.trim())
    const httpsProxy = yield* check("HTTPS_PROXY", https)
    const httpProxy = yield* check("HTTP_PROXY", http)
    const tls = options.tls ?? {}
    // "" rather than undefined: undici would otherwise read process.env itself.
    return yield* scopedDispatcher("proxy", () =>
      new Undici.EnvHttpProxyAgent({
        httpProxy: httpProxy ?? "",
        httpsProxy: httpsProxy ?? "",
        noProxy: Option.getOrElse(noProxy, () => ""),
        requestTls: tls,
        connect: tls
      }))
  })

const undiciOn = <E, R>(made: Effect.Effect<UndiciTypes.Dispatcher, E, R | Scope.Scope>) =>
  Layer.provide(UndiciTransport.layerWithoutDispatcher, Layer.scoped(NodeHttpClient.Dispatcher, made))

const fetchOn = <E, R>(made: Effect.Effect<UndiciTypes.Dispatcher, E, R | Scope.Scope>) =>
  Layer.provideMerge(
    FetchTransport.layer,
    Layer.scoped(
      FetchHttpClient.RequestInit,
      Effect.map(made, (dispatcher) => {
        // Node's fetch takes an undici dispatcher in its init; the DOM typings do not know the field.
        const init: RequestInit & { readonly dispatcher: UndiciTypes.Dispatcher } = { dispatcher }
        return init
      })
    )
  )

/**
 * `UndiciTransport` through the proxy, with its lean path.
 *
 * @example
 * ```ts
 * import { ApiTokens } from "@deepset-tokens/client"
 * import * as ProxyTransport from "@deepset-tokens/client/ProxyTransport"
 * import { Layer, Redacted } from "effect"
 *
 * const live = ApiTokens.layerConfig().pipe(
 *   Layer.provide(ProxyTransport.layerUndici({ url: Redacted.make("http://user:secret@proxy.internal:3128") }))
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerUndici = (options: Options): Layer.Layer<HttpClient.HttpClient, ApiTokensConfigError> =>
  undiciOn(dispatcher(options))

/**
 * `UndiciTransport` configured from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (see {@link dispatcherConfig}).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerUndiciConfig = (
  options: EnvOptions = {}
): Layer.Layer<HttpClient.HttpClient, ApiTokensConfigError | ConfigError.ConfigError> =>
  undiciOn(dispatcherConfig(options))

/**
 * `FetchTransport` (Node's own `fetch`) through the proxy, with its lean path: the dispatcher goes in the
 * `FetchHttpClient.RequestInit` the layer also provides, so an `ApiTokens` built on it uses it on either path.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFetch = (
  options: Options
): Layer.Layer<HttpClient.HttpClient | FetchHttpClient.RequestInit, ApiTokensConfigError> =>
  fetchOn(dispatcher(options))

/**
 * `FetchTransport` configured from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (see {@link dispatcherConfig}).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFetchConfig = (
  options: EnvOptions = {}
): Layer.Layer<HttpClient.HttpClient | FetchHttpClient.RequestInit, ApiTokensConfigError | ConfigError.ConfigError> =>
  fetchOn(dispatcherConfig(options))
