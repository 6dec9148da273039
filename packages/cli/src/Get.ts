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
import { type ExitCodeRef, fail } from "./Failure.js"
import type { GetArgs } from "./GetArgs.js"
import { summary } from "./Render.js"

// Built on first use: a summary never needs the encoder.
let encodeWire: ((meta: TokenMeta) => TokenMetaEncoded) | undefined

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
    const meta = yield* Effect.flatMap(ApiTokens, (t) => t.retrieve(args.id)).pipe(Effect.provide(layer))
    const now = yield* DateTime.now
    yield* Console.log(
      args.json ? JSON.stringify((encodeWire ??= Schema.encodeSync(TokenMeta))(meta), null, 2) : summary(meta, now)
    )
  }).pipe(Effect.catchAll((error) => fail(exit, error)))
