/**
 * The fast `get` parser against `@effect/cli` itself: on every command line the fast parser takes, the full
 * parser (the same command tree the CLI runs) must read the same arguments.
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck } from "effect"
import { Cli, GetArgs, NodeHttp } from "../src/index.js"

/** What `@effect/cli` hands the `get` handler for this command line, or `undefined` when it refuses it. */
const parseFull = (argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let parsed: GetArgs.GetArgs | undefined
    const exit = { code: 0 }
    const get = Command.make("get", Cli.getConfig, (args) =>
      Effect.sync(() => {
        parsed = Cli.toGetArgs(args)
      }))
    const root = Command.make("deepset-tokens").pipe(
      Command.withSubcommands([get, Cli.serve(exit), Cli.demo(exit, NodeHttp.layer)])
    )
    yield* Command.run(root, { name: "deepset-tokens", version: "0.0.0" })(["node", "deepset-tokens", ...argv]).pipe(
      Effect.ignore
    )
    return parsed
  }).pipe(Effect.provide(NodeContext.layer))

const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

const agrees = (argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const fast = GetArgs.parseFast(argv)
    if (fast === undefined) return false
    expect({ argv, parsed: yield* parseFull(argv) }).toEqual({ argv, parsed: fast })
    return true
  })

describe("GetArgs.parseFast", () => {
  it.live("reads plain command lines as @effect/cli does", () =>
    Effect.gen(function*() {
      const lines: ReadonlyArray<ReadonlyArray<string>> = [
        ["get", id],
        ["get", id, "--json"],
        ["get", "--json", id],
        ["get", id, "--base-url", "http://127.0.0.1:4010", "--timeout", "250", "--retries", "0"],
        ["get", "--retries", "5", "--region", "us", id, "--json"],
        ["get", "--region", "eu", id],
        ["get", id, "--timeout", "0"],
        ["get", "not-a-uuid"],
        ["get", "get"],
        ["get", "serve", "--json"],
        ["get", "TRUE"],
        ["get", id, "--base-url", "get"],
        ["get", id, "--base-url", "https://gateway.example.com/deepset?x=a=b"],
        ["get", id, "--proxy", "http://user:p%40ss@127.0.0.1:3128"],
        ["get", "--no-proxy", id],
        ["get", id, "--proxy", "proxy.corp:3128", "--no-proxy", "--json"]
      ]
      for (const argv of lines) expect(yield* agrees(argv)).toBe(true)
    }))

  it("leaves every other command line to @effect/cli", () => {
    const lines: ReadonlyArray<ReadonlyArray<string>> = [
      [],
      ["--version"],
      ["get"],
      ["get", "--help"],
      ["get", id, "-h"],
      ["get", id, "--help"],
      ["get", id, "--wizard"],
      ["get", id, "--log-level", "debug"],
      ["get", id, "--completions", "bash"],
      ["serve"],
      ["GET", id],
      ["get", id, "--JSON"],
      ["get", id, "--json", "yes"],
      ["get", "--json", "1"],
      ["get", "--json", "Off", id],
      ["get", id, "--json", "--json"],
      ["get", id, "--json=true"],
      ["get", id, "--base-url=http://127.0.0.1:4010"],
      ["get", id, "--base-url"],
      ["get", id, "--base-url", ""],
      ["get", id, "--base-url", "--json"],
      ["get", id, "--base-url", " http://127.0.0.1:4010"],
      ["get", id, "--region", "EU"],
      ["get", id, "--region", "asia"],
      ["get", id, "--timeout", "1.5"],
      ["get", id, "--timeout", "-1"],
      ["get", id, "--timeout", "007"],
      ["get", id, "--timeout", "1e3"],
      ["get", id, "--retries", "1", "--retries", "2"],
      ["get", id, "extra"],
      ["get", id, "--", "extra"],
      ["get", "--bogus"],
      ["get", id, "-x"],
      ["get", ` ${id}`],
      ["get", ""],
      ["get", id, "--proxy"],
      ["get", id, "--proxy", ""],
      ["get", id, "--proxy=http://127.0.0.1:3128"],
      ["get", id, "--no-proxy", "yes"],
      ["get", id, "--no-proxy", "--no-proxy"],
      ["get", id, "--noproxy", "127.0.0.1"]
    ]
    for (const argv of lines) expect({ argv, parsed: GetArgs.parseFast(argv) }).toEqual({ argv, parsed: undefined })
  })

  // Values chosen to reach the corners: boolean words (read as the value of --json), values that look like
  // subcommands or options, numbers and regions @effect/cli might read differently. Mostly plain ones, so
  // that most lines are ones the fast parser takes.
  const pick = (plain: ReadonlyArray<string>, odd: ReadonlyArray<string>) =>
    FastCheck.oneof(
      { arbitrary: FastCheck.constantFrom(...plain), weight: 4 },
      { arbitrary: FastCheck.constantFrom(...odd), weight: 1 }
    )
  const text = pick([id, "x", "get", "serve", "eu", "0", "http://127.0.0.1:1"], ["true", "no", "YES", "-3", " x", ""])
  const region = pick(["eu", "us"], ["EU", "Us", "asia", "--json"])
  const integer = pick(["0", "7", "250", "999999999"], ["010", "1.5", "-3", "1e3", "0x10", " 5"])
  const odd = FastCheck.constantFrom("--JSON", "--help", "--", "-j", "--base-url=http://127.0.0.1:1", "--json=no", "x")
  const maybe = <A>(arbitrary: FastCheck.Arbitrary<A>) => FastCheck.option(arbitrary, { nil: undefined })
  const line = FastCheck.tuple(
    text,
    FastCheck.boolean(),
    maybe(text),
    maybe(region),
    maybe(integer),
    maybe(integer),
    FastCheck.array(odd, { maxLength: 1 })
  ).chain(([arg, json, baseUrl, region, timeout, retries, extra]) => {
    const pieces: Array<Array<string>> = [
      [arg],
      ...(json ? [["--json"]] : []),
      ...(baseUrl === undefined ? [] : [["--base-url", baseUrl]]),
      ...(region === undefined ? [] : [["--region", region]]),
      ...(timeout === undefined ? [] : [["--timeout", timeout]]),
      ...(retries === undefined ? [] : [["--retries", retries]]),
      ...extra.map((token) => [token])
    ]
    return FastCheck.shuffledSubarray(pieces, { minLength: pieces.length }).map((shuffled) => shuffled.flat())
  })

  it.live.prop(
    "agrees with @effect/cli on every command line it takes",
    [line],
    ([tail]) => Effect.asVoid(agrees(["get", ...tail])),
    { fastCheck: { numRuns: 300 } }
  )
})
