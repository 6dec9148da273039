/**
 * What `get` does once its arguments are parsed, whichever parser read them.
 *
 * @since 0.1.0
 */
import { ApiTokens, type ApiTokensConfigError, TokenMeta, type TokenMetaEncoded } from "@deepset-tokens/client"
import { regions } from "@deepset-tokens/wire"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ExitCode, type ExitCodeRef, fail, ProxyConfigError, report } from "./Failure.js"
import type { GetArgs } from "./GetArgs.js"
import * as ProxyEnv from "./ProxyEnv.js"
import { ProxyRouting } from "./ProxyTunnel.js"
import { summary } from "./Render.js"

// Built on first use: a summary never needs the encoder.
let encodeWire: ((meta: TokenMeta) => TokenMetaEncoded) | undefined

/**
 * The proxy routing of `get`, checked before anything is sent: a bad `--proxy`, or a bad proxy variable
 * that would apply to this target, fails here with its own exit code rather than as a network error.
 */
const proxyRouting = (args: ConnectionArgs, target: string) =>
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
 * The library options `--timeout` and `--retries` stand for: milliseconds as a number (a `DurationInput`), and
 * `retry.times`. The flags are checked by the library's own `ApiTokens.validateOptions` on exactly these, so
 * the CLI accepts what the library accepts, no more and no less.
 *
 * @category parsing
 * @since 0.1.0
 */
export const tuning = (args: Pick<GetArgs, "timeout" | "retries">) => ({
  timeout: args.timeout,
  retry: { times: args.retries }
})

const flags: Readonly<Record<string, { readonly flag: string; readonly range: string }>> = {
  timeout: {
    flag: "--timeout",
    range:
      `a whole number of milliseconds from ${ApiTokens.limits.duration.minMillis} to ${ApiTokens.limits.duration.maxMillis}`
  },
  "retry.times": {
    flag: "--retries",
    range: `a whole number from ${ApiTokens.limits.retryTimes.min} to ${ApiTokens.limits.retryTimes.max}`
  }
}

/**
 * The usage error for flags the library refuses: the flag, what it takes, and what it got.
 *
 * @category parsing
 * @since 0.1.0
 */
export const usageLine = (args: Pick<GetArgs, "timeout" | "retries">, error: ApiTokensConfigError): string => {
  const known = flags[error.field]
  if (known === undefined) return error.message
  const got = known.flag === "--timeout" ? args.timeout : args.retries
  return `${known.flag} must be ${known.range}, got ${got}`
}

/**
 * The connection flags `get` and `check` share: where the API is, how long to wait, how often to retry,
 * and which proxy to use.
 *
 * @category models
 * @since 0.1.0
 */
export type ConnectionArgs = Omit<GetArgs, "id" | "json">

/**
 * A flag the command line got wrong: reported as a usage error (exit 2), before the key is read or any
 * request is sent.
 *
 * @category models
 * @since 0.1.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly line: string }> {}

/**
 * What a command needs to reach the API, once its connection flags are checked: the `ApiTokens` options
 * (key, URL, timeout, retries) and the proxy routing to provide as `ProxyRouting`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Connection {
  readonly options: ApiTokens.Options
  readonly routing: ProxyRouting["Type"]
}

/**
 * Checks the connection flags and reads `DEEPSET_API_KEY` and `DEEPSET_API_URL`, in that order: a bad
 * `--timeout` or `--retries` is a `UsageError`, before the key is read; then a missing key, and a bad proxy
 * setting, fail before anything is sent. A bad base URL fails when the `ApiTokens` layer is built.
 *
 * @category commands
 * @since 0.1.0
 */
export const connect = (
  args: ConnectionArgs
): Effect.Effect<Connection, UsageError | ConfigError.ConfigError | ProxyConfigError> =>
  Effect.gen(function*() {
    const checked = ApiTokens.validateOptions(tuning(args))
    if (Either.isLeft(checked)) return yield* new UsageError({ line: usageLine(args, checked.left) })
    const apiKey = yield* Config.redacted("DEEPSET_API_KEY")
    const envUrl = yield* Config.option(Config.string("DEEPSET_API_URL"))
    // A flag beats the environment: --region alone ignores DEEPSET_API_URL; both flags together are refused.
    const url = args.baseUrl !== undefined || args.region !== undefined
      ? Option.fromNullable(args.baseUrl)
      : Option.filter(envUrl, (u) => u.trim().length > 0)
    const routing = yield* proxyRouting(
      args,
      Option.getOrElse(url, () => regions[args.region ?? "eu"]).trim()
    )
    return {
      options: {
        apiKey,
        ...tuning(args),
        ...(Option.isSome(url) ? { baseUrl: url.value.trim() } : {}),
        ...(args.region !== undefined ? { region: args.region } : {})
      },
      routing
    }
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
    const { options, routing } = yield* connect(args)
    const meta = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(args.id)).pipe(
      Effect.provide(ApiTokens.layer(options).pipe(Layer.provide(http))),
      Effect.provideService(ProxyRouting, routing)
    )
    const now = yield* DateTime.now
    yield* Console.log(
      args.json ? JSON.stringify((encodeWire ??= Schema.encodeSync(TokenMeta))(meta), null, 2) : summary(meta, now)
    )
  }).pipe(
    Effect.catchAll((error) =>
      error._tag === "UsageError"
        ? report(exit, ExitCode.usage, error.line, "See deepset-tokens get --help.")
        : fail(exit, error)
    )
  )
