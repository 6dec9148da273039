/**
 * The `deepset-tokens` command line: `get`, `check`, `serve` and `demo`.
 *
 * @since 0.1.0
 */
import type { TokenMeta } from "@deepset-tokens/client"
import { ApiTokens, type ApiTokensConfigError, type ApiTokensError, isExpiredAt } from "@deepset-tokens/client"
import type { Simulator } from "@deepset-tokens/testing"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Check from "./Check.js"
import * as CheckRules from "./CheckRules.js"
import { ExitCode, type ExitCodeRef, report } from "./Failure.js"
import * as Get from "./Get.js"
import { defaults, type GetArgs } from "./GetArgs.js"
import { summary } from "./Render.js"

/**
 * Where the CLI reports its exit code; the runner hands it to the process.
 *
 * @category models
 * @since 0.1.0
 */
export type { ExitCodeRef }

const json = Options.boolean("json").pipe(Options.withDescription("Print the token's wire JSON"))
const baseUrl = Options.text("base-url").pipe(
  Options.optional,
  Options.withDescription("API base URL (default https://api.cloud.deepset.ai; env DEEPSET_API_URL)")
)
const region = Options.choice("region", ["eu", "us"]).pipe(
  Options.optional,
  Options.withDescription("eu (api.cloud.deepset.ai) or us (api.us.deepset.ai)")
)
const timeout = Options.integer("timeout").pipe(
  Options.withDefault(defaults.timeout),
  Options.withDescription(
    `Per-attempt timeout in milliseconds, from ${ApiTokens.limits.duration.minMillis} to ${ApiTokens.limits.duration.maxMillis}`
  )
)
const retries = Options.integer("retries").pipe(
  Options.withDefault(defaults.retries),
  Options.withDescription(
    `Retries after a 429, 5xx, timeout or network error, from ${ApiTokens.limits.retryTimes.min} (fail at once) to ${ApiTokens.limits.retryTimes.max}`
  )
)
const proxy = Options.text("proxy").pipe(
  Options.optional,
  Options.withDescription("HTTP proxy, http://[user:password@]host:port (default: HTTPS_PROXY and the like)")
)
const noProxy = Options.boolean("no-proxy").pipe(
  Options.withDescription("Ignore HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY: connect directly")
)
const id = Args.text({ name: "api-token-id" }).pipe(Args.withDescription("The token's id (a UUID)"))

/**
 * The connection flags `get` and `check` share, parsed and then checked the same way (`Get.connect`).
 *
 * @category commands
 * @since 0.1.0
 */
export const connectionConfig = { baseUrl, region, timeout, retries, proxy, noProxy }

/**
 * The connection flags as `@effect/cli` parsed them, in the shape `Get.connect` takes.
 *
 * @category commands
 * @since 0.1.0
 */
export const toConnectionArgs = (
  parsed: Command.Command.ParseConfig<typeof connectionConfig>
): Get.ConnectionArgs => ({
  baseUrl: Option.getOrUndefined(parsed.baseUrl),
  region: Option.getOrUndefined(parsed.region),
  timeout: parsed.timeout,
  retries: parsed.retries,
  proxy: Option.getOrUndefined(parsed.proxy),
  noProxy: parsed.noProxy
})

/**
 * `get`'s options and argument, as `@effect/cli` parses them.
 *
 * @category commands
 * @since 0.1.0
 */
export const getConfig = { id, json, ...connectionConfig }

/**
 * `get`'s arguments as `@effect/cli` parsed them, in the shape `Get.run` takes.
 *
 * @category commands
 * @since 0.1.0
 */
export const toGetArgs = (parsed: Command.Command.ParseConfig<typeof getConfig>): GetArgs => ({
  id: parsed.id,
  json: parsed.json,
  ...toConnectionArgs(parsed)
})

/**
 * `get`: retrieve one token with the key from `DEEPSET_API_KEY`.
 *
 * @category commands
 * @since 0.1.0
 */
export const get = (exit: ExitCodeRef, http: Layer.Layer<HttpClient.HttpClient>) =>
  Command.make("get", getConfig, (parsed) => Get.run(toGetArgs(parsed), exit, http)).pipe(
    Command.withDescription("Retrieve an API token's metadata (key from DEEPSET_API_KEY)")
  )

/**
 * `check`'s options and arguments, as `@effect/cli` parses them: the ids, the rules, and the connection
 * flags of `get`.
 *
 * @category commands
 * @since 0.1.0
 */
export const checkConfig = {
  ids: Args.text({ name: "api-token-id" }).pipe(
    Args.repeated,
    Args.withDescription("Token ids (UUIDs) to check; more with --file")
  ),
  file: Options.text("file").pipe(
    Options.optional,
    Options.withDescription("A file of token ids, one per line; blank lines and # comments are ignored")
  ),
  validFor: Options.text("valid-for").pipe(
    Options.optional,
    Options.withDescription(
      "Fail a token that expires within this long, e.g. 14d, 12h, 1d12h (default: only if expired)"
    )
  ),
  workspaces: Options.text("workspace").pipe(
    Options.repeated,
    Options.withDescription("Fail a token not granted this workspace (repeatable: each one is required)")
  ),
  role: Options.text("role").pipe(
    Options.optional,
    Options.withDescription("Fail a token below this organization role: ADMIN > MEMBER > EXTERNAL")
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withDefault(Check.defaultConcurrency),
    Options.withDescription(
      `Requests in flight at most, from ${CheckRules.concurrencyLimits.min} to ${CheckRules.concurrencyLimits.max}`
    )
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Print a JSON array of results instead of a table")),
  ...connectionConfig
}

/**
 * `check`: assert that tokens are fit for use, for cron jobs and deploy pipelines.
 *
 * @category commands
 * @since 0.1.0
 */
export const check = (exit: ExitCodeRef, http: Layer.Layer<HttpClient.HttpClient>) =>
  Command.make("check", checkConfig, (parsed) =>
    Check.run(
      {
        ids: parsed.ids,
        file: Option.getOrUndefined(parsed.file),
        validFor: Option.getOrUndefined(parsed.validFor),
        workspaces: parsed.workspaces,
        role: Option.getOrUndefined(parsed.role),
        concurrency: parsed.concurrency,
        json: parsed.json,
        ...toConnectionArgs(parsed)
      },
      exit,
      http
    )).pipe(
      Command.withDescription(
        "Check tokens: not expired (or not within --valid-for), granted --workspace, at least --role; exit 20 if one fails"
      )
    )

/**
 * The simulator, and the HTTP and WebSocket servers under it, run only for `serve` and `demo`: bundled,
 * their modules wait for this import. `get` on a plain command line loads a bundle without them.
 */
const loadSimulator = Effect.tryPromise({
  try: () => import("@deepset-tokens/testing").then((testing) => testing.Simulator),
  catch: (cause) => new SimulatorUnavailable({ reason: cause instanceof Error ? cause.message : String(cause) })
})

class SimulatorUnavailable extends Data.TaggedError("SimulatorUnavailable")<{ readonly reason: string }> {
  override get message() {
    return `the simulator could not be loaded: ${this.reason}`
  }
}

const port = Options.integer("port").pipe(Options.withDefault(4010), Options.withDescription("Port (0 = any free)"))
const host = Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("Interface"))
const tokens = Options.integer("tokens").pipe(Options.withDefault(25), Options.withDescription("Seeded tokens"))
const apiKey = Options.text("api-key").pipe(
  Options.withDefault("api_local_simulator_key"),
  Options.withDescription("The key the simulator accepts")
)
const chaos = Options.text("chaos").pipe(
  Options.optional,
  Options.withDescription("Faults, e.g. 503=0.1,429=0.05,latency=200ms,seed=7")
)

const banner = (sim: Simulator.Service, shown: number) =>
  Console.log(
    [
      `deepset API simulator listening on ${sim.url}`,
      `  accepted key: ${Redacted.value(sim.apiKey)}  (a local test key, not a secret)`,
      `  try: DEEPSET_API_KEY=${Redacted.value(sim.apiKey)} deepset-tokens get ${
        sim.ids[0] ?? "<id>"
      } --base-url ${sim.url}`,
      `  seeded ids:`,
      ...sim.ids.slice(0, shown).map((i) => `    ${i}`)
    ].join("\n")
  )

class ServeUsage extends Data.TaggedError("ServeUsage")<{ readonly line: string }> {}

const maxTokens = 100_000

/**
 * `serve`: the simulator in the foreground until Ctrl-C.
 *
 * @category commands
 * @since 0.1.0
 */
export const serve = (exit: ExitCodeRef) =>
  Command.make("serve", { port, host, tokens, apiKey, chaos }, (args) =>
    Effect.gen(function*() {
      if (!(args.port >= 0 && args.port <= 65535)) {
        return yield* new ServeUsage({ line: `--port must be from 0 to 65535, got ${args.port}` })
      }
      if (!(args.tokens >= 0 && args.tokens <= maxTokens)) {
        return yield* new ServeUsage({ line: `--tokens must be from 0 to ${maxTokens}, got ${args.tokens}` })
      }
      // A bearer token with spaces or control characters could never be sent, so no client could get in.
      if (!/^[\x21-\x7e]+$/.test(args.apiKey)) {
        return yield* new ServeUsage({ line: "--api-key must be printable ASCII without spaces" })
      }
      const Simulator = yield* loadSimulator
      const parsed = Option.match(args.chaos, {
        onNone: () => Either.right(undefined),
        onSome: Simulator.parseChaos
      })
      if (Either.isLeft(parsed)) return yield* new ServeUsage({ line: `--chaos: ${parsed.left}` })
      const sim = yield* Simulator.make({
        port: args.port,
        host: args.host,
        tokens: args.tokens,
        apiKey: args.apiKey,
        chaos: parsed.right
      })
      yield* banner(sim, 5)
      return yield* Effect.never
    }).pipe(
      Effect.scoped,
      Effect.catchTags({
        ServeUsage: (error) => report(exit, ExitCode.usage, error.line, "See deepset-tokens serve --help."),
        ServeError: (error) =>
          report(
            exit,
            ExitCode.config,
            `the simulator could not listen on ${args.host}:${args.port}: ${
              error.cause instanceof Error ? error.cause.message : String(error.cause)
            }`,
            "Choose another --port (0 picks a free one) or --host."
          ),
        ParseError: (error) => report(exit, ExitCode.internal, error.message, "This is a bug: please report it."),
        SimulatorUnavailable: (error) =>
          report(exit, ExitCode.internal, error.message, "Rebuild the CLI: node packages/cli/build.mjs.")
      })
    )).pipe(Command.withDescription("Run a local deepset API simulator (a stand-in for integration tests)"))

const describeError = (error: ApiTokensError | ApiTokensConfigError) => `${error._tag}: ${error.message}`

/**
 * `demo`: the simulator in-process, one real retrieve over HTTP, and the typed errors.
 *
 * @category commands
 * @since 0.1.0
 */
export const demo = (exit: ExitCodeRef, http: Layer.Layer<HttpClient.HttpClient>) =>
  Command.make("demo", {}, () =>
    Effect.gen(function*() {
      const Simulator = yield* loadSimulator
      const sim = yield* Simulator.make({ tokens: 25 })
      yield* Console.log(`Started the deepset API simulator at ${sim.url} with ${sim.ids.length} tokens.\n`)
      const client = (key: Redacted.Redacted<string>) =>
        ApiTokens.layer({ apiKey: key, baseUrl: sim.url }).pipe(Layer.provide(http))
      const retrieve = (tokenId: string, key = sim.apiKey) =>
        Effect.flatMap(ApiTokens, (t) => t.retrieve(tokenId)).pipe(Effect.provide(client(key)))
      const now = yield* DateTime.now
      const tokens = yield* sim.api.tokens
      // Show a token that still works; the seed has expired ones too.
      const live = tokens.find((t) => !isExpiredAt(t, now)) ?? tokens[0]
      const first = live?.api_token_id ?? "00000000-0000-4000-8000-000000000000"
      yield* Console.log(`1. Retrieve token ${first} through ApiTokens over real HTTP:\n`)
      const meta = yield* retrieve(first)
      yield* Console.log(summary(meta, now))
      yield* Console.log(`\n2. The typed errors:\n`)
      const cases: ReadonlyArray<readonly [string, Effect.Effect<TokenMeta, ApiTokensError | ApiTokensConfigError>]> = [
        ["an unknown id", retrieve("00000000-0000-4000-8000-000000000000")],
        ["a malformed id", retrieve("not-a-token-id")],
        ["a wrong key", retrieve(first, Redacted.make("api_wrong_key"))]
      ]
      for (const [label, attempt] of cases) {
        const result = yield* Effect.either(attempt)
        yield* Console.log(
          `   ${label.padEnd(15)} -> ${Either.isLeft(result) ? describeError(result.left) : "unexpectedly succeeded"}`
        )
      }
      yield* Console.log(
        `\nDone. Run your own: pnpm deepset-tokens serve, then pnpm deepset-tokens get <id> --base-url <url>\n` +
          `(in this checkout; npm install -g of the CLI's tarball gives a plain deepset-tokens command).`
      )
    }).pipe(
      Effect.scoped,
      Effect.catchAll((error) =>
        report(
          exit,
          ExitCode.internal,
          `the demo failed: ${error._tag}${error.message.length > 0 ? `: ${error.message}` : ""}`,
          "The demo needs only a loopback port; if it still fails, please report it."
        )
      )
    )).pipe(Command.withDescription("Start a simulator in-process and show the SDK's main job and its errors"))

/**
 * The whole command tree.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = (exit: ExitCodeRef, http: Layer.Layer<HttpClient.HttpClient>) =>
  Command.make("deepset-tokens").pipe(
    Command.withDescription("deepset AI Platform API tokens: retrieve metadata, or run a local simulator"),
    Command.withSubcommands([get(exit, http), check(exit, http), serve(exit), demo(exit, http)])
  )
