/**
 * `check`: assert that API tokens are fit for use (not expired, not expiring soon, granted the workspaces, of
 * a high enough role), for cron jobs and deploy pipelines.
 *
 * @since 0.1.0
 */
import {
  ApiTokens,
  type ApiTokensError,
  expiresWithin,
  grantsWorkspace,
  isExpiredAt,
  parseApiTokenId,
  type TokenMeta
} from "@deepset-tokens/client"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { readFile } from "node:fs/promises"
import {
  maxIds,
  parseConcurrency,
  parseIdFile,
  parseRole,
  parseValidFor,
  parseWorkspace,
  type Role,
  roleAtLeast,
  table
} from "./CheckRules.js"
import { ExitCode, type ExitCodeRef, explain, fail, report } from "./Failure.js"
import { connect, type ConnectionArgs, UsageError } from "./Get.js"
import { ProxyRouting } from "./ProxyTunnel.js"
import { relative } from "./Render.js"

/**
 * What `check` runs with, however its command line was parsed.
 *
 * @category models
 * @since 0.1.0
 */
export interface CheckArgs extends ConnectionArgs {
  /** Ids from the command line, in order. */
  readonly ids: ReadonlyArray<string>
  /** `--file PATH`: more ids, one per line, after those of the command line. */
  readonly file: string | undefined
  /** `--valid-for DURATION`, e.g. `14d`. */
  readonly validFor: string | undefined
  /** `--workspace NAME`, each one required. */
  readonly workspaces: ReadonlyArray<string>
  /** `--role ADMIN|MEMBER|EXTERNAL`: the lowest role that passes. */
  readonly role: string | undefined
  /** `--concurrency N`: requests in flight at most. */
  readonly concurrency: number
  /** `--json`: an array of results instead of the table. */
  readonly json: boolean
}

/**
 * The default of `--concurrency`.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultConcurrency = 8

/**
 * What every token must satisfy, once the flags are checked.
 *
 * @category models
 * @since 0.1.0
 */
export interface Rules {
  /** `--valid-for` as given and in milliseconds; without it, a token must only not be expired. */
  readonly validFor: { readonly text: string; readonly millis: number } | undefined
  readonly workspaces: ReadonlyArray<string>
  readonly role: Role | undefined
}

/**
 * The outcome for one id, with stable field names (the `--json` output is an array of these):
 *
 * - `status`: `ok`; `failed` (the token is expired, expiring, lacks a workspace or the role, or does not
 *   exist); or `error` (the API could not be asked: 401, 403, 429, 5xx, a timeout, a network error, an
 *   answer that is not the API's).
 * - `reasons`: why it failed, or the error; empty when `ok`.
 * - `name`, `expiresAt` (ISO 8601, `null` for a token that never expires) and `role`: from the token;
 *   `null` when there is none.
 * - `error`: for `error` rows, the error's tag and the exit code `get` would give it; otherwise `null`.
 *
 * @category models
 * @since 0.1.0
 */
export interface CheckResult {
  readonly id: string
  readonly name: string | null
  readonly status: "ok" | "failed" | "error"
  readonly reasons: ReadonlyArray<string>
  readonly expiresAt: string | null
  readonly role: string | null
  readonly error: { readonly tag: string; readonly exitCode: number } | null
}

const usage = (line: string) => new UsageError({ line })

/**
 * Checks `--valid-for`, `--workspace`, `--role` and `--concurrency`: the first bad one is a `UsageError`
 * naming its flag.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseRules = (args: CheckArgs): Either.Either<Rules & { readonly concurrency: number }, UsageError> => {
  let validFor: Rules["validFor"]
  if (args.validFor !== undefined) {
    const parsed = parseValidFor(args.validFor)
    if (!parsed.ok) return Either.left(usage(parsed.reason))
    validFor = { text: args.validFor, millis: parsed.value }
  }
  for (const name of args.workspaces) {
    const parsed = parseWorkspace(name)
    if (!parsed.ok) return Either.left(usage(parsed.reason))
  }
  let role: Role | undefined
  if (args.role !== undefined) {
    const parsed = parseRole(args.role)
    if (!parsed.ok) return Either.left(usage(parsed.reason))
    role = parsed.value
  }
  const concurrency = parseConcurrency(args.concurrency)
  if (!concurrency.ok) return Either.left(usage(concurrency.reason))
  return Either.right({ validFor, workspaces: args.workspaces, role, concurrency: concurrency.value })
}

/**
 * An id that is not a token id: nothing is sent for any id then, as `get` sends nothing for one (exit 3).
 *
 * @category models
 * @since 0.1.0
 */
export class BadId extends Data.TaggedError("BadId")<{ readonly line: string }> {}

// Node's messages repeat the path and the syscall; the code alone says enough, in words.
const unreadable = (cause: unknown): string => {
  const code = cause instanceof Error && "code" in cause ? String(cause.code) : ""
  return ({ ENOENT: "no such file", EACCES: "permission denied", EISDIR: "is a directory" } as Record<string, string>)[
    code
  ] ?? (code === "" ? "cannot be read" : `cannot be read (${code})`)
}

const readIds = (args: CheckArgs): Effect.Effect<ReadonlyArray<string>, UsageError | BadId> =>
  Effect.gen(function*() {
    const given = args.ids.map((id, index) => ({ id, where: `argument ${index + 1}` }))
    if (args.file !== undefined) {
      const path = args.file
      const text = yield* Effect.tryPromise({
        try: () => readFile(path, "utf8"),
        catch: (cause) => usage(`--file ${path}: ${unreadable(cause)}`)
      })
      given.push(...parseIdFile(text).map(({ id, line }) => ({ id, where: `${path} line ${line}` })))
    }
    if (given.length === 0) {
      return yield* usage("give at least one api-token-id, or --file PATH with one id per line")
    }
    if (given.length > maxIds) return yield* usage(`at most ${maxIds} ids per run, got ${given.length}`)
    const ids: Array<string> = []
    for (const { id, where } of given) {
      const parsed = parseApiTokenId(id)
      if (Either.isLeft(parsed)) {
        return yield* new BadId({ line: `${where}: "${id}" is not a token id: ${parsed.left}` })
      }
      ids.push(parsed.right)
    }
    return ids
  })

/**
 * Why `meta` fails the rules at `now`; empty when it passes.
 *
 * @category rules
 * @since 0.1.0
 */
export const reasons = (meta: TokenMeta, rules: Rules, now: DateTime.DateTime): ReadonlyArray<string> => {
  const found: Array<string> = []
  if (meta.expires_at !== null && isExpiredAt(meta, now)) {
    found.push(relative(meta.expires_at, now))
  } else if (
    rules.validFor !== undefined && meta.expires_at !== null && expiresWithin(meta, rules.validFor.millis, now)
  ) {
    found.push(`expires ${relative(meta.expires_at, now)}, within --valid-for ${rules.validFor.text}`)
  }
  for (const workspace of rules.workspaces) {
    if (!grantsWorkspace(meta, workspace)) found.push(`workspace "${workspace}" not granted`)
  }
  if (rules.role !== undefined && !roleAtLeast(meta.organization_role, rules.role)) {
    found.push(`role ${meta.organization_role} is below ${rules.role}`)
  }
  return found
}

interface Outcome {
  readonly result: CheckResult
  readonly failure: ApiTokensError | undefined
}

const judge = (
  id: string,
  outcome: Either.Either<TokenMeta, ApiTokensError>,
  rules: Rules,
  now: DateTime.DateTime
): Outcome => {
  if (Either.isRight(outcome)) {
    const meta = outcome.right
    const why = reasons(meta, rules, now)
    return {
      result: {
        id,
        name: meta.name,
        status: why.length === 0 ? "ok" : "failed",
        reasons: why,
        expiresAt: meta.expires_at === null ? null : DateTime.formatIso(meta.expires_at),
        role: meta.organization_role,
        error: null
      },
      failure: undefined
    }
  }
  const error = outcome.left
  const none = { id, name: null, expiresAt: null, role: null } as const
  // No such token is a finding about the token, like an expired one; everything else is the API's.
  if (error._tag === "TokenNotFound") {
    return { result: { ...none, status: "failed", reasons: ["not found"], error: null }, failure: undefined }
  }
  const explained = explain(error)
  return {
    result: {
      ...none,
      status: "error",
      reasons: [explained.line],
      error: { tag: error._tag, exitCode: explained.code }
    },
    failure: error
  }
}

/**
 * The results as a table: one row per id, in the order given.
 *
 * @category rendering
 * @since 0.1.0
 */
export const render = (results: ReadonlyArray<CheckResult>): string =>
  table(
    ["ID", "NAME", "STATUS", "REASON"],
    results.map((r) => [r.id, r.name ?? "-", r.status, r.reasons.length === 0 ? "-" : r.reasons.join("; ")])
  )

const plural = (n: number) => `${n} token${n === 1 ? "" : "s"}`

/**
 * The exit code and the stderr report: a failed check (exit 20) wins over an API failure, because the
 * finding holds whatever the unreachable tokens turn out to be; with no failed check, the first API
 * failure (in the order given) sets the exit code `get` gives it.
 */
const verdict = (outcomes: ReadonlyArray<Outcome>, exit: ExitCodeRef): Effect.Effect<void> => {
  const failed = outcomes.filter((o) => o.result.status === "failed").length
  const errors = outcomes.filter((o) => o.failure !== undefined)
  const unchecked = errors.length === 0 ? "" : `; ${plural(errors.length)} could not be checked`
  if (failed > 0) {
    return report(
      exit,
      ExitCode.checkFailed,
      `${failed} of ${plural(outcomes.length)} failed the check${unchecked}`,
      "Each row says why; rotate or fix those tokens."
    )
  }
  const first = errors[0]?.failure
  if (first === undefined) return Effect.void
  const { code, hint, line } = explain(first)
  return report(exit, code, `${errors.length} of ${plural(outcomes.length)} could not be checked: ${line}`, hint)
}

/**
 * Checks every id against the rules and prints a table, or JSON with `--json`, on stdout. The exit code
 * goes to `exit`: 0 when every token passes; 20 when one fails a check; otherwise the code of the first API
 * failure (5 for a 401, 10 for a network error, ...); 2 for a bad flag, 3 for an id that is not a token id,
 * 4 for a missing key. Requests run at most `--concurrency` at a time through one client with a cache, so
 * an id given twice costs one request. After a 401 or 403 (the key's fault, whatever the token) no further
 * request is sent: the remaining ids get that error.
 *
 * @category commands
 * @since 0.1.0
 */
export const run = (
  args: CheckArgs,
  exit: ExitCodeRef,
  http: Layer.Layer<HttpClient.HttpClient>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const rules = yield* parseRules(args)
    const ids = yield* readIds(args)
    const { options, routing } = yield* connect(args)
    const now = yield* DateTime.now
    // The cache outlives any run (an hour), remembers 404s too, and holds every id: a repeat is free.
    const layer = ApiTokens.layer({
      ...options,
      cache: { ttl: "1 hour", notFoundTtl: "1 hour", capacity: Math.max(1, new Set(ids).size) }
    }).pipe(Layer.provide(http))
    // A 401 or 403 is about the key, not the token: once one arrives, the ids not yet sent are not sent (a
    // file of a thousand ids and a revoked key would otherwise be a thousand refusals); they get its error.
    let keyRefused: ApiTokensError | undefined
    const retrieve = (id: string) =>
      Effect.suspend(() =>
        keyRefused !== undefined
          ? Effect.succeed(Either.left(keyRefused))
          : Effect.either(Effect.flatMap(ApiTokens, (t) => t.retrieve(id))).pipe(
            Effect.tap((outcome) => {
              if (
                Either.isLeft(outcome) && (outcome.left._tag === "Unauthorized" || outcome.left._tag === "Forbidden")
              ) {
                keyRefused ??= outcome.left
              }
            })
          )
      )
    const outcomes = yield* Effect.forEach(
      ids,
      (id) => Effect.map(retrieve(id), (o) => judge(id, o, rules, now)),
      { concurrency: rules.concurrency }
    ).pipe(Effect.provide(layer), Effect.provideService(ProxyRouting, routing))
    const results = outcomes.map((o) => o.result)
    yield* Console.log(args.json ? JSON.stringify(results, null, 2) : render(results))
    yield* verdict(outcomes, exit)
  }).pipe(
    Effect.catchAll((error) => {
      switch (error._tag) {
        case "UsageError":
          return report(exit, ExitCode.usage, error.line, "See deepset-tokens check --help.")
        case "BadId":
          return report(
            exit,
            ExitCode.invalidId,
            error.line,
            "Token ids are UUIDs, e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301; nothing was sent."
          )
        default:
          return fail(exit, error)
      }
    })
  )
