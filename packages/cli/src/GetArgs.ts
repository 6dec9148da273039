/**
 * The arguments of `get`, and a parser for the plain command lines that lets `get` start without
 * `@effect/cli`.
 *
 * This module imports nothing: it runs before anything else is loaded.
 *
 * @since 0.1.0
 */

/**
 * What `get` runs with, however its command line was parsed.
 *
 * @category models
 * @since 0.1.0
 */
export interface GetArgs {
  readonly id: string
  readonly json: boolean
  readonly baseUrl: string | undefined
  readonly region: "eu" | "us" | undefined
  readonly timeout: number
  readonly retries: number
  /** `--proxy URL`: replaces the proxy environment variables (`NO_PROXY` still applies, as in curl). */
  readonly proxy: string | undefined
  /** `--no-proxy`: ignore every proxy variable and connect directly. */
  readonly noProxy: boolean
}

/**
 * The defaults of `--timeout` and `--retries`, shared with the `@effect/cli` definition.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaults = { timeout: 10_000, retries: 2 } as const

// `@effect/cli` reads these after a boolean flag as its value (in any letter case).
const booleanWords = new Set(["true", "1", "y", "yes", "on", "false", "0", "n", "no", "off"])

const integer = /^(0|[1-9][0-9]{0,8})$/

type Valued = "--base-url" | "--region" | "--timeout" | "--retries" | "--proxy"

const isValued = (token: string): token is Valued =>
  token === "--base-url" || token === "--region" || token === "--timeout" || token === "--retries" ||
  token === "--proxy"

/** A token that reads the same however `@effect/cli` trims, lowercases or splits it. */
const isPlain = (token: string | undefined): token is string =>
  token !== undefined && token.length > 0 && token.trim() === token && !token.startsWith("-")

/**
 * Parses `get <id> [--json] [--base-url URL] [--region eu|us] [--timeout N] [--retries N] [--proxy URL]
 * [--no-proxy]` when the command
 * line has only that plain shape: each option at most once, spelled in full in lowercase and given its
 * value as the next argument; the id and every value non-empty, not starting with `-` and without
 * surrounding spaces; `--region` exactly `eu` or `us`; integers written plainly (`0`, `5000`).
 *
 * Anything else gives `undefined`, and the full `@effect/cli` parser then handles the command line: help,
 * `--version`, `--opt=value`, unknown or repeated options, missing values, odd spellings, every usage error.
 * On the lines this accepts the two parsers agree; a test checks that against `@effect/cli` itself.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseFast = (argv: ReadonlyArray<string>): GetArgs | undefined => {
  if (argv[0] !== "get") return undefined
  let id: string | undefined
  let json: boolean | undefined
  let noProxy: boolean | undefined
  const valued: Partial<Record<Valued, string>> = {}
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i]!
    if (token === "--json") {
      const next = argv[i + 1]
      // `--json yes` would be read as a value: leave such lines to @effect/cli.
      if (json !== undefined || (next !== undefined && booleanWords.has(next.trim().toLowerCase()))) return undefined
      json = true
    } else if (token === "--no-proxy") {
      // A boolean flag like --json: a boolean word after it would be read as its value.
      const next = argv[i + 1]
      if (noProxy !== undefined || (next !== undefined && booleanWords.has(next.trim().toLowerCase()))) {
        return undefined
      }
      noProxy = true
    } else if (isValued(token)) {
      const value = argv[i + 1]
      if (valued[token] !== undefined || !isPlain(value)) return undefined
      valued[token] = value
      i++
    } else if (isPlain(token) && id === undefined) {
      id = token
    } else {
      return undefined
    }
  }
  if (id === undefined) return undefined
  const region = valued["--region"]
  if (region !== undefined && region !== "eu" && region !== "us") return undefined
  const timeout = valued["--timeout"]
  const retries = valued["--retries"]
  if ((timeout !== undefined && !integer.test(timeout)) || (retries !== undefined && !integer.test(retries))) {
    return undefined
  }
  return {
    id,
    json: json ?? false,
    baseUrl: valued["--base-url"],
    region,
    timeout: timeout === undefined ? defaults.timeout : Number(timeout),
    retries: retries === undefined ? defaults.retries : Number(retries),
    proxy: valued["--proxy"],
    noProxy: noProxy ?? false
  }
}
