/**
 * What each failure means for a person at a terminal: one line, a hint, and a distinct exit code.
 *
 * @since 0.1.0
 */
import type { ApiTokensConfigError, ApiTokensError } from "@deepset-tokens/client"
import type * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/**
 * The documented exit codes.
 *
 * @category constants
 * @since 0.1.0
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalidId: 3,
  config: 4,
  unauthorized: 5,
  forbidden: 6,
  notFound: 7,
  rateLimited: 8,
  timeout: 9,
  network: 10,
  server: 11,
  badResponse: 12,
  /** `check`: a token failed a check (expired, expiring, a workspace or the role missing, not found). */
  checkFailed: 20
} as const

/**
 * @category models
 * @since 0.1.0
 */
export interface Explained {
  readonly line: string
  readonly hint: string
  readonly code: number
}

/**
 * A proxy setting `get` cannot use: `source` is the flag (`--proxy`) or the variable (`HTTPS_PROXY`, ...)
 * it came from, and `reason` says why without quoting it (a proxy URL may hold a password).
 *
 * @category models
 * @since 0.1.0
 */
export class ProxyConfigError extends Data.TaggedError("ProxyConfigError")<{
  readonly source: string
  readonly reason: string
}> {}

/**
 * @category models
 * @since 0.1.0
 */
export type CliFailure = ApiTokensError | ApiTokensConfigError | ConfigError.ConfigError | ProxyConfigError

/**
 * Maps every failure `get` can meet to its line, hint and exit code.
 *
 * @category utils
 * @since 0.1.0
 */
export const explain = (error: CliFailure): Explained => {
  switch (error._tag) {
    case "InvalidTokenId":
      return {
        line: error.message,
        hint: "Token ids are UUIDs, e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301 (any letter case).",
        code: ExitCode.invalidId
      }
    case "ApiTokensConfigError":
      return {
        line: error.message,
        hint: error.field === "apiKey"
          ? "DEEPSET_API_KEY is set but empty or not a key: export DEEPSET_API_KEY=<key> with the whole key."
          : "Check --base-url / --region and DEEPSET_API_URL; use https:// for remote hosts.",
        code: ExitCode.config
      }
    case "ConfigError":
      return {
        line: "The API key is missing: DEEPSET_API_KEY is not set.",
        hint: "Create a key in deepset AI Platform (Settings > API keys) and export DEEPSET_API_KEY=<key>.",
        code: ExitCode.config
      }
    case "ProxyConfigError":
      // A flag is a usage error; a variable is configuration, like DEEPSET_API_URL.
      return error.source.startsWith("--")
        ? {
          line: `${error.source}: ${error.reason}`,
          hint: "Give --proxy http://[user:password@]host:port, or --no-proxy to connect directly; not both.",
          code: ExitCode.usage
        }
        : {
          line: `${error.source} is not a usable proxy: ${error.reason}`,
          hint: `Fix or unset ${error.source}, or override it with --proxy URL or --no-proxy.`,
          code: ExitCode.config
        }
    case "Unauthorized":
      return {
        line: error.message,
        hint: "DEEPSET_API_KEY was rejected: check that it is complete, not expired or revoked, and for this region.",
        code: ExitCode.unauthorized
      }
    case "Forbidden":
      return {
        line: error.message,
        hint: "The key's user lacks the permission to read API tokens in this organization.",
        code: ExitCode.forbidden
      }
    case "TokenNotFound":
      return {
        line: error.message,
        hint: "List your tokens in deepset AI Platform to find the id; ids are per organization and region.",
        code: ExitCode.notFound
      }
    case "RateLimited":
      return { line: error.message, hint: "Wait and try again later.", code: ExitCode.rateLimited }
    case "Timeout":
      return {
        line: error.message,
        hint: "The API did not answer in time; check your network or try again.",
        code: ExitCode.timeout
      }
    case "TransportError":
      return {
        line: error.message,
        hint: "Could not reach the API: check the network, proxy settings and --base-url.",
        code: ExitCode.network
      }
    case "ServerError":
      return { line: error.message, hint: "The API failed; try again later.", code: ExitCode.server }
    case "ValidationFailed":
    case "UnexpectedStatus":
    case "MalformedResponse":
      return {
        line: error.message,
        hint: "The answer was not what the API documents: check --base-url points at the deepset API.",
        code: ExitCode.badResponse
      }
  }
}

/**
 * Where the CLI reports its exit code; the runner hands it to the process.
 *
 * @category models
 * @since 0.1.0
 */
export interface ExitCodeRef {
  code: number
}

/**
 * Every failure reads the same: one `error:` line, one `hint:` line, on stderr, and the exit code.
 *
 * @category utils
 * @since 0.1.0
 */
export const report = (exit: ExitCodeRef, code: number, line: string, hint: string): Effect.Effect<void> =>
  Effect.suspend(() => {
    exit.code = code
    return Effect.zipRight(Console.error(`error: ${oneLine(line)}`), Console.error(`hint:  ${oneLine(hint)}`))
  })

// Some causes span lines (OpenSSL's messages end in a newline); the report stays one line each.
const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, " ").trim()

/**
 * Reports a failure of `get` with its line, hint and exit code.
 *
 * @category utils
 * @since 0.1.0
 */
export const fail = (exit: ExitCodeRef, error: CliFailure): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { code, hint, line } = explain(error)
    return report(exit, code, line, hint)
  })
