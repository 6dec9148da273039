/**
 * `check` in-process on the fake: each verdict against an independent oracle on generated tokens, the exit
 * codes, the cache (an id given twice costs one request), bounded concurrency, and usage errors before any
 * request.
 */
import type { TokenMeta } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, Fault, TestNow } from "@deepset-tokens/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import type { Console } from "effect"
import { ConfigProvider, DateTime, Effect, FastCheck as fc, Fiber, Layer, Redacted, TestClock } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Check, Failure } from "../src/index.js"

const key = Redacted.value(FakeDeepsetApi.defaultApiKey)
const now = TestNow.reference
const day = 86_400_000

const args = (overrides: Partial<Check.CheckArgs>): Check.CheckArgs => ({
  ids: [],
  file: undefined,
  validFor: undefined,
  workspaces: [],
  role: undefined,
  concurrency: Check.defaultConcurrency,
  json: true,
  baseUrl: undefined,
  region: undefined,
  timeout: 10_000,
  retries: 0,
  proxy: undefined,
  noProxy: true,
  ...overrides
})

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly results: ReadonlyArray<Check.CheckResult>
}

/** Runs `check` on `client`, with `env` as its environment; what it printed and its exit code. */
const runCheck = (
  checkArgs: Check.CheckArgs,
  client: HttpClient.HttpClient,
  env: Record<string, string> = { DEEPSET_API_KEY: key }
) =>
  Effect.gen(function*() {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    const console: Console.Console = {
      ...(yield* Effect.console),
      error: (...line) => Effect.sync(() => void stderr.push(line.join(" "))),
      log: (...line) => Effect.sync(() => void stdout.push(line.join(" ")))
    }
    const exit = { code: Failure.ExitCode.ok as number }
    yield* Check.run(checkArgs, exit, Layer.succeed(HttpClient.HttpClient, client)).pipe(
      Effect.withConsole(console),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
    const out = stdout.join("\n")
    const results: ReadonlyArray<Check.CheckResult> = checkArgs.json && out.startsWith("[") ? JSON.parse(out) : []
    return { code: exit.code, stdout: out, stderr: stderr.join("\n"), results } satisfies Ran
  })

/** The verdict, worked out from the token's fields alone (not with the domain's helpers `check` uses). */
const oracle = (
  meta: TokenMeta,
  rules: { validForDays: number | undefined; workspaces: ReadonlyArray<string>; role: string | undefined }
) => {
  const left = meta.expires_at === null ? Infinity : DateTime.toEpochMillis(meta.expires_at) - now.epochMillis
  const rank: Record<string, number> = { ADMIN: 3, MEMBER: 2, EXTERNAL: 1 }
  const expiring = meta.expires && (left <= 0 || (rules.validForDays !== undefined && left <= rules.validForDays * day))
  const workspaceMissing = rules.workspaces.some((w) =>
    !meta.all_workspaces && !meta.workspaces.some((x) => x.name === w)
  )
  const roleLow = rules.role !== undefined && rank[meta.organization_role]! < rank[rules.role]!
  return expiring || workspaceMissing || roleLow ? "failed" : "ok"
}

const rulesArb = fc.record({
  validForDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  workspaces: fc.uniqueArray(fc.constantFrom("production", "staging", "research", "default"), { maxLength: 2 }),
  role: fc.option(Arbitraries.organizationRole, { nil: undefined })
})

describe("deepset-tokens check, in-process on the fake", () => {
  it.effect.prop(
    "each token's status is the oracle's; a repeated id costs one request; exit 20 iff one failed",
    [
      fc.uniqueArray(Arbitraries.realisticTokenMeta(now), {
        minLength: 1,
        maxLength: 12,
        selector: (t) => t.api_token_id
      }),
      rulesArb,
      fc.integer({ min: 1, max: 4 })
    ],
    ([tokens, rules, concurrency]) =>
      Effect.gen(function*() {
        yield* TestNow.setTo(now)
        const api = yield* FakeDeepsetApi.make({ tokens })
        // Every id twice, the second time in upper case: the cache knows them already.
        const ids = [...tokens.map((t) => t.api_token_id), ...tokens.map((t) => t.api_token_id.toUpperCase())]
        const ran = yield* runCheck(
          args({
            ids,
            concurrency,
            workspaces: rules.workspaces,
            ...(rules.validForDays !== undefined ? { validFor: `${rules.validForDays}d` } : {}),
            ...(rules.role !== undefined ? { role: rules.role } : {})
          }),
          FakeDeepsetApi.httpClient(api)
        )
        const expected = [...tokens, ...tokens].map((t) => oracle(t, rules))
        expect(ran.results.map((r) => r.status)).toEqual(expected)
        expect(ran.results.map((r) => r.id)).toEqual(ids.map((id) => id.toLowerCase()))
        for (const r of ran.results) expect(r.status === "ok").toBe(r.reasons.length === 0)
        expect(ran.code).toBe(expected.includes("failed") ? Failure.ExitCode.checkFailed : Failure.ExitCode.ok)
        expect((yield* api.requests).length).toBe(tokens.length)
        expect(ran.stdout + ran.stderr).not.toContain(key)
      }),
    { fastCheck: { numRuns: 60 } }
  )

  it.effect("the reasons say what is wrong, and the table has one row per id", () =>
    Effect.gen(function*() {
      yield* TestNow.setTo(now)
      const base = fc.sample(Arbitraries.realisticTokenMeta(now), { numRuns: 1, seed: 1 })[0]!
      const at = (days: number) => DateTime.unsafeMake(now.epochMillis + days * day)
      const expired: TokenMeta = {
        ...base,
        api_token_id: "11111111-1111-4111-8111-111111111111" as TokenMeta["api_token_id"],
        expires: true,
        expires_at: at(-3),
        organization_role: "ADMIN",
        all_workspaces: true
      }
      const soon: TokenMeta = {
        ...expired,
        api_token_id: "22222222-2222-4222-8222-222222222222" as TokenMeta["api_token_id"],
        expires_at: at(5.5),
        organization_role: "EXTERNAL",
        all_workspaces: false,
        workspaces: [{ name: "staging" }]
      }
      const fine: TokenMeta = {
        ...expired,
        api_token_id: "33333333-3333-4333-8333-333333333333" as TokenMeta["api_token_id"],
        name: "line\nbreak",
        expires: false,
        expires_at: null
      }
      const api = yield* FakeDeepsetApi.make({ tokens: [expired, soon, fine] })
      const unknown = "44444444-4444-4444-8444-444444444444"
      const ran = yield* runCheck(
        args({
          json: false,
          ids: [expired.api_token_id, soon.api_token_id, fine.api_token_id, unknown],
          validFor: "14d",
          workspaces: ["production"],
          role: "member"
        }),
        FakeDeepsetApi.httpClient(api)
      )
      expect(ran.code).toBe(Failure.ExitCode.checkFailed)
      const lines = ran.stdout.split("\n")
      expect(lines).toHaveLength(5)
      expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+REASON$/)
      expect(lines[1]).toMatch(/failed\s+expired 3 days ago$/)
      expect(lines[2]).toContain(
        "failed  expires in 5 days, within --valid-for 14d; workspace \"production\" not granted; role EXTERNAL is below MEMBER"
      )
      expect(lines[3]).toMatch(/^33333333-3333-4333-8333-333333333333\s+line break\s+ok\s+-$/)
      expect(lines[4]).toMatch(/^44444444-4444-4444-8444-444444444444\s+-\s+failed\s+not found$/)
      expect(ran.stderr).toBe(
        "error: 3 of 4 tokens failed the check\nhint:  Each row says why; rotate or fix those tokens."
      )
    }))

  it.effect("an API failure is an error row with get's exit code, unless a check failed too", () =>
    Effect.gen(function*() {
      yield* TestNow.setTo(now)
      const [token] = fc.sample(Arbitraries.realisticTokenMeta(now), { numRuns: 1, seed: 2 })
      const ok: TokenMeta = { ...token!, expires: false, expires_at: null }
      const api = yield* FakeDeepsetApi.make({ tokens: [ok] })
      const client = FakeDeepsetApi.httpClient(api)
      yield* api.script(Fault.status(503))
      const down = yield* runCheck(args({ ids: [ok.api_token_id] }), client)
      expect(down.code).toBe(Failure.ExitCode.server)
      expect(down.results).toEqual([
        {
          id: ok.api_token_id,
          name: null,
          status: "error",
          reasons: [expect.stringContaining("503")],
          expiresAt: null,
          role: null,
          error: { tag: "ServerError", exitCode: Failure.ExitCode.server }
        }
      ])
      expect(down.stderr).toMatch(/^error: 1 of 1 token could not be checked: .*503/)
      // A 502 for one id and a 404 for another: the 404 is a finding, so the run exits 20.
      yield* api.script(Fault.status(502))
      const both = yield* runCheck(
        args({ ids: [ok.api_token_id, "55555555-5555-4555-8555-555555555555"], concurrency: 1 }),
        client
      )
      expect(both.results.map((r) => r.status)).toEqual(["error", "failed"])
      expect(both.code).toBe(Failure.ExitCode.checkFailed)
      expect(both.stderr).toContain("1 of 2 tokens failed the check; 1 token could not be checked")
      const wrongKey = yield* runCheck(args({ ids: [ok.api_token_id] }), client, { DEEPSET_API_KEY: "api_wrong" })
      expect(wrongKey.code).toBe(Failure.ExitCode.unauthorized)
      const noKey = yield* runCheck(args({ ids: [ok.api_token_id] }), client, {})
      expect(noKey.code).toBe(Failure.ExitCode.config)
      expect(noKey.stdout).toBe("")
    }))

  it.effect.prop(
    "after a 401 or 403 no further request is sent: the rest get that error",
    [fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(401, 403)],
    ([concurrency, count, status]) =>
      Effect.gen(function*() {
        const tokens = fc.sample(Arbitraries.realisticTokenMeta(now), { numRuns: count, seed: count })
          .map((t, i) => ({
            ...t,
            api_token_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` as TokenMeta["api_token_id"]
          }))
        const api = yield* FakeDeepsetApi.make({ tokens })
        const client = FakeDeepsetApi.httpClient(api)
        const ids = tokens.map((t) => t.api_token_id)
        if (status === 403) yield* api.script(...tokens.map(() => Fault.status(403)))
        const ran = yield* runCheck(
          args({ ids, concurrency }),
          client,
          status === 401 ? { DEEPSET_API_KEY: "api_revoked" } : undefined
        )
        const tag = status === 401 ? "Unauthorized" : "Forbidden"
        expect(ran.results.map((r) => r.error?.tag)).toEqual(tokens.map(() => tag))
        expect(ran.code).toBe(status === 401 ? Failure.ExitCode.unauthorized : Failure.ExitCode.forbidden)
        // Only the requests already in flight when the first refusal came: at most --concurrency.
        const sent = (yield* api.requests).length
        expect(sent).toBeGreaterThanOrEqual(1)
        expect(sent).toBeLessThanOrEqual(Math.min(concurrency, count))
      }),
    { fastCheck: { numRuns: 30 } }
  )

  it.effect("bad flags and ids are refused before any request, naming the flag or the id's place", () =>
    Effect.gen(function*() {
      const api = yield* FakeDeepsetApi.make()
      const client = FakeDeepsetApi.httpClient(api)
      const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
      const dir = mkdtempSync(join(tmpdir(), "check-"))
      const file = join(dir, "ids.txt")
      writeFileSync(file, `# tokens\n${id}\n\nnot-an-id # typo\n`)
      const cases: ReadonlyArray<readonly [Partial<Check.CheckArgs>, number, string]> = [
        [{}, Failure.ExitCode.usage, "give at least one api-token-id"],
        [{ ids: [id], validFor: "2 weeks" }, Failure.ExitCode.usage, "--valid-for must be"],
        [{ ids: [id], role: "OWNER" }, Failure.ExitCode.usage, "--role must be"],
        [{ ids: [id], concurrency: 0 }, Failure.ExitCode.usage, "--concurrency must be"],
        [{ ids: [id], workspaces: [""] }, Failure.ExitCode.usage, "--workspace must not be empty"],
        [{ ids: [id], timeout: 0 }, Failure.ExitCode.usage, "--timeout must be"],
        [{ ids: [id], retries: -1 }, Failure.ExitCode.usage, "--retries must be"],
        [{ ids: [id], proxy: "http://p:1", noProxy: true }, Failure.ExitCode.usage, "--proxy"],
        [{ file: join(dir, "missing.txt") }, Failure.ExitCode.usage, "missing.txt: no such file"],
        [{ file: dir }, Failure.ExitCode.usage, "is a directory"],
        [{ ids: [id, "x"] }, Failure.ExitCode.invalidId, "argument 2: \"x\" is not a token id"],
        [{ file }, Failure.ExitCode.invalidId, `${file} line 4: "not-an-id" is not a token id`]
      ]
      for (const [overrides, code, line] of cases) {
        const ran = yield* runCheck(args(overrides), client)
        expect(ran.code, line).toBe(code)
        expect(ran.stderr).toContain(line)
        expect(ran.stdout).toBe("")
      }
      expect((yield* api.requests).length).toBe(0)
    }))

  it.effect("ids from --file follow the command line's; the file's comments and blank lines are skipped", () =>
    Effect.gen(function*() {
      yield* TestNow.setTo(now)
      const tokens = fc.sample(Arbitraries.realisticTokenMeta(now), { numRuns: 3, seed: 3 })
        .map((t, i) => ({
          ...t,
          api_token_id: `${i}${i}${i}${i}${i}${i}${i}${i}-0000-4000-8000-000000000000` as TokenMeta["api_token_id"]
        }))
      const api = yield* FakeDeepsetApi.make({ tokens })
      const file = join(mkdtempSync(join(tmpdir(), "check-")), "ids")
      writeFileSync(
        file,
        `\uFEFF# deploy gate\r\n${tokens[1]!.api_token_id}  # second\r\n\r\n${tokens[2]!.api_token_id}\r\n`
      )
      const ran = yield* runCheck(args({ ids: [tokens[0]!.api_token_id], file }), FakeDeepsetApi.httpClient(api))
      expect(ran.results.map((r) => r.id)).toEqual(tokens.map((t) => t.api_token_id))
    }))

  it.effect.prop(
    "never more than --concurrency requests in flight",
    [fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 15 })],
    ([concurrency, count]) =>
      Effect.gen(function*() {
        yield* TestNow.setTo(now)
        const tokens = fc.sample(Arbitraries.realisticTokenMeta(now), { numRuns: count, seed: count })
          .map((t, i) => ({
            ...t,
            api_token_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` as TokenMeta["api_token_id"]
          }))
        // Every answer takes a second on the TestClock, so requests overlap as much as check lets them.
        const api = yield* FakeDeepsetApi.make({ tokens, latency: "1 second" })
        const fake = FakeDeepsetApi.httpClient(api)
        let inFlight = 0
        let peak = 0
        const counting = HttpClient.make((request) =>
          Effect.acquireUseRelease(
            Effect.sync(() => {
              inFlight++
              peak = Math.max(peak, inFlight)
            }),
            () => fake.execute(request),
            () => Effect.sync(() => void inFlight--)
          )
        )
        const fiber = yield* Effect.fork(
          runCheck(args({ ids: tokens.map((t) => t.api_token_id), concurrency }), counting)
        )
        yield* TestClock.adjust("1 minute")
        const ran = yield* Fiber.join(fiber)
        expect(ran.results).toHaveLength(count)
        expect(peak).toBe(Math.min(concurrency, count))
      }),
    { fastCheck: { numRuns: 20 } }
  )
})
