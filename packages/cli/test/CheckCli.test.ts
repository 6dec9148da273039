/**
 * `deepset-tokens check` as users run it: the bundled binary as a subprocess against a simulator started by
 * the test, for its output and every kind of exit code.
 */
import { Fault, Simulator } from "@deepset-tokens/testing"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { execFile, execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Check } from "../src/index.js"
import { Failure } from "../src/index.js"

const bin = fileURLToPath(new URL("../dist/deepset-tokens.js", import.meta.url))
const key = "api_check_cli_test_key_0123456789"

beforeAll(() => {
  execFileSync(process.execPath, [fileURLToPath(new URL("../build.mjs", import.meta.url))])
}, 60_000)

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const cli = (args: ReadonlyArray<string>, env: Record<string, string> = { DEEPSET_API_KEY: key }) =>
  Effect.async<Run>((resume) => {
    const { DEEPSET_API_KEY: _k, DEEPSET_API_URL: _u, ...inherited } = process.env
    // A proxy set on the machine running the tests must not route the loopback requests.
    const base = Object.fromEntries(
      Object.entries(inherited).filter(([name]) => !/^(https?|all|no)_proxy$/i.test(name))
    )
    const child = execFile(
      process.execPath,
      [bin, "check", ...args],
      { env: { ...base, ...env }, timeout: 20_000 },
      (error, stdout, stderr) =>
        resume(
          Effect.succeed({
            code: error === null ? 0 : typeof error.code === "number" ? error.code : -1,
            stdout,
            stderr
          })
        )
    )
    return Effect.sync(() => child.kill())
  })

const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const clean = (run: Run) => {
  expect(run.stdout + run.stderr).not.toContain(key)
  expect(run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/)
}

const unknown = "00000000-0000-4000-8000-000000000000"
const day = 86_400_000

describe("deepset-tokens check (the built CLI against the simulator)", () => {
  it.scopedLive("judges the seeded tokens by their expiry: --json rows, exit 20 when one fails", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 12, apiKey: key, log: false })
      const tokens = yield* sim.api.tokens
      const run = yield* cli([...sim.ids, unknown, sim.ids[0]!, "--valid-for", "14d", "--json", "--base-url", sim.url])
      clean(run)
      const results: ReadonlyArray<Check.CheckResult> = JSON.parse(run.stdout)
      const now = Date.now()
      const expected = [...sim.ids, unknown, sim.ids[0]!].map((id) => {
        const token = tokens.find((t) => t.api_token_id === id)
        if (token === undefined) return "failed"
        return token.expires_at !== null && DateTime.toEpochMillis(token.expires_at) - now <= 14 * day ? "failed" : "ok"
      })
      expect(results.map((r) => r.status)).toEqual(expected)
      // The seed rotates through valid, never expiring, expiring soon and expired tokens: both verdicts occur.
      expect(expected).toContain("ok")
      expect(results.some((r) => r.reasons.some((why) => /^expired .+ ago$/.test(why)))).toBe(true)
      expect(results.some((r) => r.reasons.some((why) => /^expires in .+, within --valid-for 14d$/.test(why)))).toBe(
        true
      )
      expect(Object.keys(results[0]!)).toEqual(["id", "name", "status", "reasons", "expiresAt", "role", "error"])
      expect(run.code).toBe(Failure.ExitCode.checkFailed)
      expect(run.stderr).toMatch(/^error: \d+ of 14 tokens failed the check\nhint: .+\n$/)
      // The repeated id cost no second request.
      expect(yield* sim.api.requests).toHaveLength(sim.ids.length + 1)
    }))

  it.scopedLive("exit 0 and a table when every token passes; ids from --file", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 12, apiKey: key, log: false })
      const now = Date.now()
      const good = (yield* sim.api.tokens).filter((t) =>
        t.expires_at === null || DateTime.toEpochMillis(t.expires_at) - now > 30 * day
      )
      expect(good.length).toBeGreaterThan(1)
      const file = join(mkdtempSync(join(tmpdir(), "check-cli-")), "ids.txt")
      writeFileSync(
        file,
        ["# tokens the deploy needs", ...good.map((t) => `${t.api_token_id}  # ${t.name}`), ""].join("\n")
      )
      const run = yield* cli(["--file", file, "--valid-for", "30d", "--concurrency", "2", "--base-url", sim.url])
      clean(run)
      expect(run.code).toBe(0)
      expect(run.stderr).toBe("")
      const lines = run.stdout.trimEnd().split("\n")
      expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+REASON$/)
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(good.map((t) => t.api_token_id))
      for (const line of lines.slice(1)) expect(line).toMatch(/\s+ok\s+-$/)
    }))

  it.scopedLive("--role and --workspace: a token below the role or without the workspace fails", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 25, apiKey: key, log: false })
      const tokens = yield* sim.api.tokens
      const low = tokens.find((t) => t.organization_role !== "ADMIN" && t.expires_at === null)
        ?? tokens.find((t) => t.organization_role !== "ADMIN")!
      const run = yield* cli([
        low.api_token_id,
        "--role",
        "admin",
        "--workspace",
        "no-such-workspace",
        "--base-url",
        sim.url
      ])
      clean(run)
      expect(run.code).toBe(Failure.ExitCode.checkFailed)
      expect(run.stdout).toContain(`role ${low.organization_role} is below ADMIN`)
      // A token for all workspaces is granted any name; every other one lacks this one.
      if (low.all_workspaces) expect(run.stdout).not.toContain("not granted")
      else expect(run.stdout).toContain("workspace \"no-such-workspace\" not granted")
    }))

  it.scopedLive("API failures keep get's exit codes; usage errors exit 2 and bad ids 3, before any request", () =>
    Effect.gen(function*() {
      const refused = yield* freePort
      const sim = yield* Simulator.make({ tokens: 2, apiKey: key, log: false })
      const id = sim.ids[0]!
      const down = yield* Effect.gen(function*() {
        yield* sim.api.script(Fault.status(503))
        return yield* cli([id, "--retries", "0", "--base-url", sim.url])
      })
      const cases: ReadonlyArray<readonly [string, Run, number, RegExp]> = [
        ["503", down, Failure.ExitCode.server, /1 of 1 token could not be checked: .*503/],
        [
          "wrong key",
          yield* cli([id, "--base-url", sim.url], { DEEPSET_API_KEY: "api_wrong" }),
          Failure.ExitCode.unauthorized,
          /401/
        ],
        [
          "network",
          yield* cli([id, "--retries", "0", "--base-url", `http://127.0.0.1:${refused}`]),
          Failure.ExitCode.network,
          /Network error/
        ],
        ["missing key", yield* cli([id, "--base-url", sim.url], {}), Failure.ExitCode.config, /DEEPSET_API_KEY/]
      ]
      for (const [label, run, code, line] of cases) {
        expect({ label, code: run.code }).toEqual({ label, code })
        expect(run.stderr).toMatch(line)
        clean(run)
      }
      expect(down.stdout).toMatch(/\s+error\s+.*503/)
      yield* sim.api.clearRequests
      const usage: ReadonlyArray<readonly [ReadonlyArray<string>, number, RegExp]> = [
        [[], Failure.ExitCode.usage, /give at least one api-token-id/],
        [[id, "--valid-for", "fortnight"], Failure.ExitCode.usage, /--valid-for must be/],
        [[id, "--valid-for=0.5d"], Failure.ExitCode.usage, /--valid-for must be/],
        [[id, "--role", "OWNER"], Failure.ExitCode.usage, /--role must be/],
        [[id, "--concurrency", "1000"], Failure.ExitCode.usage, /--concurrency must be/],
        [[id, "--timeout", "0"], Failure.ExitCode.usage, /--timeout must be/],
        [[id, "--proxy", "http://p:1", "--no-proxy"], Failure.ExitCode.usage, /--proxy/],
        [[id, "not-a-uuid"], Failure.ExitCode.invalidId, /argument 2: "not-a-uuid" is not a token id/]
      ]
      for (const [args, code, line] of usage) {
        const run = yield* cli([...args, "--base-url", sim.url])
        expect({ args, code: run.code }).toEqual({ args, code })
        expect(run.stderr).toMatch(line)
        expect(run.stdout).toBe("")
        clean(run)
      }
      expect(yield* sim.api.requests).toHaveLength(0)
    }))
})
