/**
 * `get`'s `--timeout` and `--retries` against the library's own validation: the CLI refuses exactly what
 * `ApiTokens.validateOptions` refuses, as a usage error naming the flag, before the key is read or any request
 * is sent; and it accepts everything else.
 */
import { ApiTokens } from "@deepset-tokens/client"
import { FakeDeepsetApi } from "@deepset-tokens/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import type { Console } from "effect"
import { ConfigProvider, Effect, Either, FastCheck as fc, Layer, Redacted } from "effect"
import { Failure, Get } from "../src/index.js"

const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

/** Runs `get` on the fake with these flags; what it printed on stderr, its exit code, and the requests sent. */
const runGet = (timeout: number, retries: number, env: Record<string, string>) =>
  Effect.gen(function*() {
    const api = yield* FakeDeepsetApi.make()
    const stderr: Array<string> = []
    const console: Console.Console = {
      ...(yield* Effect.console),
      error: (...args) => Effect.sync(() => void stderr.push(args.join(" "))),
      log: () => Effect.void
    }
    const exit = { code: Failure.ExitCode.ok as number }
    yield* Get.run(
      { id, json: false, baseUrl: undefined, region: undefined, timeout, retries, proxy: undefined, noProxy: false },
      exit,
      Layer.succeed(HttpClient.HttpClient, FakeDeepsetApi.httpClient(api))
    ).pipe(
      Effect.withConsole(console),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
    return { code: exit.code, stderr: stderr.join("\n"), requests: (yield* api.requests).length }
  })

const withKey = { DEEPSET_API_KEY: Redacted.value(FakeDeepsetApi.defaultApiKey) }

// Integers as the parsers hand them over: in range, on and beside each bound, and far out.
const { duration, retryTimes } = ApiTokens.limits
const around = (bound: number) => [bound - 1, bound, bound + 1]
const timeouts = fc.oneof(
  fc.integer({ min: duration.minMillis, max: duration.maxMillis }),
  fc.constantFrom(...around(duration.minMillis), ...around(duration.maxMillis), -5, 1e12),
  fc.integer()
)
const retries = fc.oneof(
  fc.integer({ min: retryTimes.min, max: retryTimes.max }),
  fc.constantFrom(...around(retryTimes.min), ...around(retryTimes.max), 1_000_000),
  fc.integer()
)

describe("get --timeout and --retries", () => {
  it.effect.prop(
    "are refused exactly when the library refuses them: exit 2, the flag named, no request",
    [timeouts, retries],
    ([timeout, retries]) =>
      Effect.gen(function*() {
        const verdict = ApiTokens.validateOptions({ timeout, retry: { times: retries } })
        // No key in the environment: an accepted flag then fails on the key (exit 4), after the check.
        const run = yield* runGet(timeout, retries, {})
        if (Either.isLeft(verdict)) {
          expect(run.code).toBe(Failure.ExitCode.usage)
          const flag = verdict.left.field === "timeout" ? "--timeout" : "--retries"
          expect(verdict.left.field).toMatch(/^(timeout|retry\.times)$/)
          expect(run.stderr).toContain(`error: ${flag} must be`)
          expect(run.stderr).toContain(`got ${flag === "--timeout" ? timeout : retries}`)
        } else {
          expect(run.code).toBe(Failure.ExitCode.config)
        }
        expect(run.requests).toBe(0)
      }),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("accepted flags reach the API; refused ones never do", () =>
    Effect.gen(function*() {
      const ok = yield* runGet(duration.minMillis, retryTimes.max, withKey)
      // The fake has no such token: one request, answered 404.
      expect(ok).toMatchObject({ code: Failure.ExitCode.notFound, requests: 1 })
      for (
        const [timeout, retries, flag] of [[0, 2, "--timeout"], [-5, 2, "--timeout"], [10_000, -1, "--retries"], [
          10_000,
          1_000_000,
          "--retries"
        ]] as const
      ) {
        const refused = yield* runGet(timeout, retries, withKey)
        expect(refused).toMatchObject({ code: Failure.ExitCode.usage, requests: 0 })
        expect(refused.stderr).toContain(flag)
      }
    }))
})
