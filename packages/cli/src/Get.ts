/**
 * What `get` does once its arguments are parsed, whichever parser read them.
 *
 * @since 0.1.0
 */
import { ApiTokens, TokenMeta, type TokenMetaEncoded } from "@deepset-tokens/client"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type ExitCodeRef, fail, ProxyConfigError } from "./Failure.js"
import type { GetArgs } from "./GetArgs.js"
import * as ProxyEnv from "./ProxyEnv.js"
import { ProxyRouting } from "./ProxyTunnel.js"
import { summary } from "./Render.js"

// Built on first use: a summary never needs the encoder.
let encodeWire: ((meta: TokenMeta) => TokenMetaEncoded) | undefined

// Where a request goes when no base URL is given; only the scheme and host matter, for NO_PROXY.
const regionOrigins = { eu: "https://api.cloud.deepset.ai", us: "https://api.us.deepset.ai" } as const

/**
 * The proxy routing of `get`, checked before anything is sent: a bad `--proxy`, or a bad proxy variable
 * that would apply to this target, fails here with its own exit code rather than as a network error.
 */
const proxyRouting = (args: GetArgs, target: string) =>
  Effect.suspend(() => {
    if (args.proxy !== undefined && args.noProxy) {
      return Effect.fail(new ProxyConfigError({ source: "--proxy", reason: "give --proxy or --no-proxy, not both" }))
    }
    if (args.proxy !== undefined) {
      // Checked even when NO_PROXY sends this target direct: a bad flag is a bad command line.
      const parsed = ProxyEnv.parseProxy(args.proxy)
      if ("reason" in parsed) return Effect.fail(new ProxyConfigError({ source: "--proxy", reason: parsed.reason }))
    }
    const env = { ...process.env }
    const flags = { proxy: args.proxy, noProxy: args.noProxy }
    const routing = (url: URL) => ProxyEnv.route(url, env, flags)
    const route = URL.canParse(target) ? routing(new URL(target)) : undefined
    return route?._tag === "Invalid"
      ? Effect.fail(new ProxyConfigError({ source: route.source, reason: route.reason }))
      : Effect.succeed(routing)
  })

/**
 * Retrieves one token with the key from `DEEPSET_API_KEY` and prints it; a failure is reported on stderr
 * with its exit code in `exit`.
 *
 * @category commands
 * @since 0.1.0
 */
export const run = (args: GetArgs, exit: ExitCodeRef, http: Layer.Layer<HttpClient.HttpClient>): Effect.Effect<void> =>
  Effect.gen(function*() {
    const apiKey = yield* Config.redacted("DEEPSET_API_KEY")
    const envUrl = yield* Config.option(Config.string("DEEPSET_API_URL"))
    // A flag beats the environment: --region alone ignores DEEPSET_API_URL; both flags together are refused.
    const url = args.baseUrl !== undefined || args.region !== undefined
      ? Option.fromNullable(args.baseUrl)
      : Option.filter(envUrl, (u) => u.trim().length > 0)
    const layer = ApiTokens.layer({
      apiKey,
      timeout: Duration.millis(Math.max(1, args.timeout)),
      retry: args.retries <= 0 ? false : { times: args.retries },
      ...(Option.isSome(url) ? { baseUrl: url.value.trim() } : {}),
      ...(args.region !== undefined ? { region: args.region } : {})
    }).pipe(Layer.provide(http))
    const routing = yield* proxyRouting(
      args,
      Option.getOrElse(url, () => regionOrigins[args.region ?? "eu"]).trim()
    )
    const meta = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(args.id)).pipe(
      Effect.provide(layer),
      Effect.provideService(ProxyRouting, routing)
    )
    const now = yield* DateTime.now
    yield* Console.log(
      args.json ? JSON.stringify((encodeWire ??= Schema.encodeSync(TokenMeta))(meta), null, 2) : summary(meta, now)
    )
  }).pipe(Effect.catchAll((error) => fail(exit, error)))
