/**
 * The CLI end to end: the bundled binary as a subprocess, against a simulator started by the test.
 */
import { TokenMeta } from "@deepset-tokens/client"
import { FakeDeepsetApi, Fault, FaultServer, Simulator } from "@deepset-tokens/testing"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Redacted, Schema } from "effect"
import { execFile, execFileSync } from "node:child_process"
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"
import * as CodeCache from "../src/CodeCache.js"
import { Failure, Render } from "../src/index.js"
import { version } from "../src/version.js"

const bin = fileURLToPath(new URL("../dist/deepset-tokens.js", import.meta.url))
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url))
const key = "api_cli_test_key_0123456789"

beforeAll(() => {
  execFileSync(process.execPath, [fileURLToPath(new URL("../build.mjs", import.meta.url))])
}, 60_000)

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

type Env = Record<string, string | undefined>

/** A port that was free a moment ago: nothing listens there, so a connection is refused. */
const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const cli = (args: ReadonlyArray<string>, env: Env = { DEEPSET_API_KEY: key }, entry = bin) =>
  Effect.async<Run>((resume) => {
    const { DEEPSET_API_KEY: _k, DEEPSET_API_URL: _u, ...inherited } = process.env
    // A proxy set on the machine running the tests must not route the loopback requests (Proxy.test.ts covers it).
    const base = Object.fromEntries(
      Object.entries(inherited).filter(([name]) => !/^(https?|all|no)_proxy$/i.test(name))
    )
    const child = execFile(
      process.execPath,
      [entry, ...args],
      { env: { ...base, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        resume(
          Effect.succeed({
            code: error === null ? 0 : typeof error.code === "number" ? error.code : -1,
            stdout,
            stderr
          })
        )
      }
    )
    return Effect.sync(() => child.kill())
  })

const noKey = (run: Run) => {
  expect(run.stdout + run.stderr).not.toContain(key)
  expect(run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/)
}

describe("deepset-tokens get", () => {
  it.scopedLive("prints a readable summary, and the wire JSON with --json", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 5, apiKey: key, log: false })
      const id = sim.ids[0]!
      const human = yield* cli(["get", id.toUpperCase(), "--base-url", sim.url])
      expect(human.code).toBe(0)
      const token = (yield* sim.api.tokens).find((t) => t.api_token_id === id)!
      expect(human.stdout).toContain(token.name)
      expect(human.stdout).toContain(token.masked_token)
      expect(human.stdout).toMatch(/Type\s+(personal|service)/)
      expect(human.stdout).toMatch(
        /Expires\s+(never|\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \((in|expired) \d+ (day|hour|minute)s?( ago)?\))/
      )
      noKey(human)
      const json = yield* cli(["get", id, "--json"], { DEEPSET_API_KEY: key, DEEPSET_API_URL: `${sim.url}/api/v1` })
      expect(json.code).toBe(0)
      expect(JSON.parse(json.stdout)).toEqual(Schema.encodeSync(TokenMeta)(token))
      noKey(json)
    }))

  it.scopedLive(
    "every failure prints one line, a hint and its own exit code, never the key or a stack",
    () =>
      Effect.gen(function*() {
        const refused = yield* freePort
        // Each case gets its own simulator: scripted faults are a queue, and the cases run side by side.
        const against = (faults: ReadonlyArray<Fault.Fault>, args: ReadonlyArray<string>, env?: Env) =>
          Effect.gen(function*() {
            const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
            yield* sim.api.script(...faults)
            return yield* cli(
              ["get", ...args.map((a) => a.replace("$ID", sim.ids[0] ?? "")), "--base-url", sim.url],
              env
            )
          }).pipe(Effect.scoped)
        const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
        const cases: ReadonlyArray<readonly [string, Effect.Effect<Run, unknown>, number, RegExp]> = [
          ["bad id", against([], ["../etc/passwd"]), Failure.ExitCode.invalidId, /Invalid token id/],
          ["missing key", against([], ["$ID"], {}), Failure.ExitCode.config, /DEEPSET_API_KEY is not set/],
          ["empty key", against([], ["$ID"], { DEEPSET_API_KEY: "" }), Failure.ExitCode.config, /apiKey/],
          [
            "insecure url",
            cli(["get", id, "--base-url", "http://example.com"]),
            Failure.ExitCode.config,
            /unencrypted/
          ],
          [
            "wrong key",
            against([], ["$ID"], { DEEPSET_API_KEY: "api_wrong" }),
            Failure.ExitCode.unauthorized,
            /401/
          ],
          ["unknown id", against([], [id]), Failure.ExitCode.notFound, /404 Not Found/],
          ["403", against([Fault.status(403)], ["$ID"]), Failure.ExitCode.forbidden, /403/],
          [
            "429",
            against([Fault.status(429, "", { "retry-after": "3600" })], ["$ID"]),
            Failure.ExitCode.rateLimited,
            /429 Rate limited; retry after 1h/
          ],
          [
            "timeout",
            against([Fault.delay("5 seconds")], ["$ID", "--timeout", "100", "--retries", "0"]),
            Failure.ExitCode.timeout,
            /Timed out/
          ],
          [
            "network",
            cli(["get", id, "--base-url", `http://127.0.0.1:${refused}`, "--retries", "0"]),
            Failure.ExitCode.network,
            /Network error/
          ],
          ["5xx", against([Fault.status(501)], ["$ID"]), Failure.ExitCode.server, /501 Server error/],
          [
            "malformed",
            against([Fault.status(200, { name: 1 })], ["$ID"]),
            Failure.ExitCode.badResponse,
            /Malformed response/
          ]
        ]
        const results = yield* Effect.forEach(cases, ([, run]) => run, { concurrency: 4 })
        const codes = new Set<number>()
        cases.forEach(([label, , code, line], i) => {
          const result = results[i]!
          expect({ label, code: result.code }).toEqual({ label, code })
          expect(result.stderr).toMatch(/^error: .+\nhint: {2}.+\n$/)
          expect(result.stderr).toMatch(line)
          expect(result.stdout).toBe("")
          noKey(result)
          codes.add(code)
        })
        // One code per kind of failure (the three configuration cases share one).
        expect(codes.size).toBe(cases.length - 2)
      })
  )

  it.scopedLive("--retries rides out a 503 that the server asks to retry", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
      yield* sim.api.script(Fault.status(503, "", { "retry-after": "0" }))
      const retried = yield* cli(["get", sim.ids[0]!, "--base-url", sim.url, "--json"])
      expect(retried.code).toBe(0)
      yield* sim.api.script(Fault.status(503, "", { "retry-after": "0" }))
      const once = yield* cli(["get", sim.ids[0]!, "--base-url", sim.url, "--retries", "0"])
      expect(once.code).toBe(Failure.ExitCode.server)
      expect(yield* sim.api.requests).toHaveLength(3)
    }))

  it.effect("usage errors exit 2", () =>
    Effect.gen(function*() {
      const result = yield* cli(["get"])
      expect(result.code).toBe(Failure.ExitCode.usage)
    }))

  it.scopedLive("a --timeout or --retries out of range is a usage error naming the flag, before any request", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
      // The fast parser takes `0`; the full parser takes the negative and the huge values.
      const lines = [
        [["--timeout", "0"], "--timeout"],
        [["--timeout", "-5"], "--timeout"],
        [["--retries", "-1"], "--retries"],
        [["--retries", "1000000"], "--retries"]
      ] as const
      for (const [flags, flag] of lines) {
        const result = yield* cli(["get", sim.ids[0]!, "--base-url", sim.url, ...flags])
        expect({ flags, code: result.code }).toEqual({ flags, code: Failure.ExitCode.usage })
        expect(result.stderr).toContain(`error: ${flag} must be`)
      }
      expect(yield* sim.api.requests).toHaveLength(0)
    }))
})

describe("deepset-tokens get: the fast path and the full parser", () => {
  /** An HTTP server on a free loopback port for the test's scope; `requests` counts what reached it. */
  const server = (handle: (request: IncomingMessage, response: ServerResponse) => void, keepAliveTimeout = 5000) =>
    Effect.map(
      Effect.acquireRelease(
        Effect.async<{ readonly url: string; readonly requests: () => number; readonly close: () => void }>(
          (resume) => {
            let requests = 0
            const http = createHttpServer((request, response) => {
              requests++
              handle(request, response)
            })
            http.keepAliveTimeout = keepAliveTimeout
            http.listen(0, "127.0.0.1", () => {
              const address = http.address()
              const port = typeof address === "object" && address !== null ? address.port : 0
              resume(Effect.succeed({
                url: `http://127.0.0.1:${port}`,
                requests: () => requests,
                close: () => {
                  http.closeAllConnections()
                  http.close()
                }
              }))
            })
          }
        ),
        ({ close }) => Effect.sync(close)
      ),
      ({ close: _, ...rest }) => rest
    )

  it.scopedLive("a plain command line and the same one in the full parser's syntax answer alike", () =>
    Effect.gen(function*() {
      const refused = yield* freePort
      const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
      // [arguments before the base URL, faults, environment]: each case runs twice against its own simulator,
      // once with `--base-url URL` (the fast path) and once with `--base-url=URL` (only @effect/cli reads that).
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, ReadonlyArray<Fault.Fault>, Env?]> = [
        [["$ID"], []],
        [["$ID", "--json"], []],
        [[id], []],
        [["not-a-token-id"], []],
        [["$ID"], [], { DEEPSET_API_KEY: "api_wrong" }],
        [["$ID"], [], {}],
        [["$ID", "--retries", "0"], [Fault.status(503)]],
        [["$ID", "--timeout", "100", "--retries", "0"], [Fault.delay("5 seconds")]],
        [["$ID"], [Fault.status(200, { name: 1 })]]
      ]
      const both = ([args, faults, env]: (typeof cases)[number]) =>
        Effect.gen(function*() {
          const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
          const filled = args.map((a) => a.replace("$ID", sim.ids[0] ?? ""))
          return yield* Effect.forEach([["--base-url", sim.url], [`--base-url=${sim.url}`]], (url) =>
            Effect.gen(function*() {
              yield* sim.api.script(...faults)
              const run = yield* cli(["get", ...filled, ...url], env)
              // Each request gets the next request id; nothing else may differ.
              return { ...run, stderr: run.stderr.replace(/request id fake-\d+/, "request id fake-N") }
            }))
        }).pipe(Effect.scoped)
      const results = yield* Effect.forEach(cases, both, { concurrency: 3 })
      results.forEach(([fast, full], i) => {
        expect({ case: cases[i]![0], output: full }).toEqual({ case: cases[i]![0], output: fast })
      })
      expect(results.map(([fast]) => fast!.code)).toEqual([0, 0, 7, 3, 5, 4, 11, 9, 12])
      const network = yield* Effect.forEach(
        [["--base-url", `http://127.0.0.1:${refused}`], [`--base-url=http://127.0.0.1:${refused}`]],
        (url) => cli(["get", id, ...url, "--retries", "0"])
      )
      expect(network[0]).toEqual(network[1])
      expect(network[0]!.code).toBe(Failure.ExitCode.network)
      expect(network[0]!.stderr).toMatch(/^error: Network error: .*ECONNREFUSED/)
    }))

  it.scopedLive("a redirect is an answer (exit 12), never followed: the key stays with the first origin", () =>
    Effect.gen(function*() {
      const other = yield* server((_, response) => response.end("{}"))
      const redirecting = yield* server((_, response) => {
        response.writeHead(307, { location: `${other.url}/api/v1/token/x`, "content-length": "0" })
        response.end()
      })
      const result = yield* cli(["get", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "--base-url", redirecting.url])
      expect(result.code).toBe(Failure.ExitCode.badResponse)
      expect(result.stderr).toMatch(/307/)
      expect(redirecting.requests()).toBe(1)
      expect(other.requests()).toBe(0)
      noKey(result)
    }))

  it.scopedLive("an https URL to a server that does not speak TLS is a network error, reported on one line", () =>
    Effect.gen(function*() {
      // Plain HTTP bytes where a TLS handshake is expected.
      const port = yield* FaultServer.make
      yield* port.script(FaultServer.Behavior.Raw({ bytes: "HTTP/1.1 200 OK\r\n\r\n", then: "end" }))
      const result = yield* cli([
        "get",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "--base-url",
        `https://127.0.0.1:${port.port}`,
        "--retries",
        "0"
      ])
      expect(result.code).toBe(Failure.ExitCode.network)
      expect(result.stderr).toMatch(/^error: Network error: .+\nhint: {2}.+\n$/)
      noKey(result)
    }))

  it.scopedLive("exits as soon as it has printed, even when the server would keep the connection open", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
      // A server that answers with keep-alive and keeps an idle connection for a minute.
      const body = JSON.stringify(Schema.encodeSync(TokenMeta)((yield* sim.api.tokens)[0]!))
      const open = yield* server((_, response) => {
        response.shouldKeepAlive = true
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          connection: "keep-alive",
          "keep-alive": "timeout=600"
        })
        response.end(body)
      }, 60_000)
      const started = Date.now()
      const result = yield* cli(["get", sim.ids[0]!, "--base-url", open.url])
      expect(result.code).toBe(0)
      // Well under the 10 s attempt timer and the server's minute: nothing the request started outlives it.
      expect(Date.now() - started).toBeLessThan(3000)
    }))

  it("get.js has neither @effect/cli nor the simulator; both scripts' code caches fit this Node", () => {
    const get = readFileSync(dist("get.js"), "utf8")
    for (
      const marker of ["Received unknown argument", "@effect/cli", "FakeDeepsetApi", "fast-check", "Sec-WebSocket"]
    ) {
      expect({ marker, inGet: get.includes(marker) }).toEqual({ marker, inGet: false })
    }
    expect(readFileSync(dist("cli.js"), "utf8")).toContain("Received unknown argument")
    for (const file of ["get.js", "cli.js"]) {
      const source = readFileSync(dist(file), "utf8")
      const cachedData = CodeCache.cacheFor(source, readFileSync(dist(`${file}.cache`)))
      expect(cachedData).toBeDefined()
      const script = new Script(source, { filename: dist(file), ...(cachedData ? { cachedData } : {}) })
      expect({ file, rejected: script.cachedDataRejected }).toEqual({ file, rejected: false })
    }
  })

  /** A copy of dist/ in a temporary directory, changed by `change`, for the scope. */
  const copyOfDist = (change: (dir: string) => void) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const dir = mkdtempSync(join(tmpdir(), "deepset-tokens-"))
        for (const file of readdirSync(dist("."))) {
          if (!file.startsWith(".")) copyFileSync(dist(file), join(dir, file))
        }
        change(dir)
        return dir
      }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )

  it.scopedLive("a code cache from another build is left unused, and get works the same", () =>
    Effect.gen(function*() {
      const dir = yield* copyOfDist((dir) => {
        const cache = readFileSync(join(dir, "get.js.cache"))
        // Another build's line, same length.
        writeFileSync(
          join(dir, "get.js.cache"),
          Buffer.from(cache.toString("latin1").replace(/build \w/, "build !"), "latin1")
        )
      })
      const source = readFileSync(join(dir, "get.js"), "utf8")
      expect(CodeCache.cacheFor(source, readFileSync(join(dir, "get.js.cache")))).toBeUndefined()
      expect(CodeCache.cacheFor(source, readFileSync(dist("get.js.cache")))).toBeDefined()
      const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
      const run = (entry: string) => cli(["get", sim.ids[0]!, "--base-url", sim.url, "--json"], undefined, entry)
      expect(yield* run(join(dir, "deepset-tokens.js"))).toEqual(yield* run(bin))
    }))

  it.scopedLive("a code cache made by another Node is left unused, and get works the same", () =>
    Effect.gen(function*() {
      const other = CodeCache.runtimeLine().replace(/node v\d+/, "node v0")
      const dir = yield* copyOfDist((dir) => {
        const cache = readFileSync(join(dir, "get.js.cache")).toString("latin1")
        writeFileSync(join(dir, "get.js.cache"), Buffer.from(cache.replace(CodeCache.runtimeLine(), other), "latin1"))
      })
      const source = readFileSync(join(dir, "get.js"), "utf8")
      expect(CodeCache.cacheFor(source, readFileSync(join(dir, "get.js.cache")))).toBeUndefined()
      expect(CodeCache.cacheFor(source, readFileSync(join(dir, "get.js.cache")), other)).toBeDefined()
      const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
      const run = (entry: string) => cli(["get", sim.ids[0]!, "--base-url", sim.url, "--json"], undefined, entry)
      expect(yield* run(join(dir, "deepset-tokens.js"))).toEqual(yield* run(bin))
    }))

  it.scopedLive("an install with a script missing says so in one line and exits 1", () =>
    Effect.gen(function*() {
      const dir = yield* copyOfDist((dir) => rmSync(join(dir, "get.js")))
      const result = yield* cli(["get", "x"], undefined, join(dir, "deepset-tokens.js"))
      expect(result.code).toBe(Failure.ExitCode.internal)
      expect(result.stderr).toMatch(/^error: internal failure: .*get\.js.*\nhint: {2}Rebuild the CLI.*\n$/)
    }))
})

describe("deepset-tokens demo and serve", () => {
  it.effect("demo retrieves a token over HTTP, shows the typed errors, and exits 0", () =>
    Effect.gen(function*() {
      const result = yield* cli(["demo"], {})
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/Started the deepset API simulator at http:\/\/127\.0\.0\.1:\d+/)
      expect(result.stdout).toMatch(/Name\s+\S+/)
      expect(result.stdout).toContain("TokenNotFound: 404")
      expect(result.stdout).toContain("InvalidTokenId:")
      expect(result.stdout).toContain("Unauthorized: 401")
      expect(result.stderr).toMatch(/\[simulator\] GET \/api\/v1\/token\/\S+ 200/)
      // The simulator's own key, and the wrong key the demo sends, are never printed.
      expect(result.stdout + result.stderr).not.toContain(Redacted.value(FakeDeepsetApi.defaultApiKey))
      expect(result.stdout + result.stderr).not.toContain("api_wrong_key")
      expect(result.stderr).not.toMatch(/\n\s+at /)
    }))

  it.scopedLive("serve refuses bad options and a busy port with one line, a hint and an exit code", () =>
    Effect.gen(function*() {
      const busy = yield* Simulator.make({ tokens: 0, log: false })
      const busyPort = new URL(busy.url).port
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, number, RegExp]> = [
        [["--chaos", "503=2"], Failure.ExitCode.usage, /--chaos: 503 expects a fraction/],
        [["--port", "70000"], Failure.ExitCode.usage, /--port must be from 0 to 65535/],
        [["--tokens", "-1"], Failure.ExitCode.usage, /--tokens must be/],
        [["--api-key", "has space"], Failure.ExitCode.usage, /--api-key/],
        [["--port", busyPort], Failure.ExitCode.config, /could not listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/]
      ]
      const results = yield* Effect.forEach(cases, ([args]) => cli(["serve", ...args], {}), { concurrency: 3 })
      cases.forEach(([args, code, line], i) => {
        const result = results[i]!
        expect({ args, code: result.code }).toEqual({ args, code })
        expect(result.stderr).toMatch(/^error: .+\nhint: {2}.+\n$/)
        expect(result.stderr).toMatch(line)
      })
    }))

  it.effect("serve prints the URL, key and ids, answers, and stops cleanly on SIGINT", () =>
    Effect.gen(function*() {
      const { spawn } = yield* Effect.promise(() => import("node:child_process"))
      const child = spawn(process.execPath, [
        bin,
        "serve",
        "--port",
        "0",
        "--tokens",
        "3",
        "--api-key",
        "api_serve_key"
      ])
      const out = yield* Effect.async<string>((resume) => {
        let text = ""
        child.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString()
          if (text.includes("seeded ids:") && text.split("\n").length > 6) resume(Effect.succeed(text))
        })
      }).pipe(Effect.timeout(Duration.seconds(10)))
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      const id = /seeded ids:\n\s+(\S+)/.exec(out)?.[1]
      expect(out).toContain("api_serve_key")
      const response = yield* Effect.promise(() =>
        fetch(`${url}/api/v1/token/${id}`, { headers: { authorization: "Bearer api_serve_key" } })
      )
      expect(response.status).toBe(200)
      const code = yield* Effect.async<number | null>((resume) => {
        child.on("exit", (c) => resume(Effect.succeed(c)))
        child.kill("SIGINT")
      })
      expect(code).toBe(0)
    }))
})

describe("rendering and versions", () => {
  it("relative expiry reads naturally", () => {
    const now = DateTime.unsafeMake(Date.UTC(2026, 10, 28, 12))
    const at = (ms: number) => DateTime.unsafeMake(Date.UTC(2026, 10, 28, 12) + ms)
    expect(Render.relative(at(12 * 86_400_000 + 5000), now)).toBe("in 12 days")
    expect(Render.relative(at(-3 * 86_400_000), now)).toBe("expired 3 days ago")
    expect(Render.relative(at(5 * 3_600_000), now)).toBe("in 5 hours")
    expect(Render.relative(at(-60_000), now)).toBe("expired 1 minute ago")
  })

  it("the CLI version is the package's", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(version).toBe(pkg.version)
  })
})
