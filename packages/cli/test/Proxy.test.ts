/**
 * `deepset-tokens get` through a real forward proxy (the `proxy` package) on loopback: the bundled binary
 * as a subprocess, to the simulator over plain HTTP and behind TLS (trusted via NODE_EXTRA_CA_CERTS).
 */
import { Simulator } from "@deepset-tokens/testing"
import * as ForwardProxy from "@deepset-tokens/testing/ForwardProxy"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile, execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Failure } from "../src/index.js"

const bin = fileURLToPath(new URL("../dist/deepset-tokens.js", import.meta.url))
const key = "api_cli_proxy_test_key_0123456789"
const user = "cli-proxy-user"
const password = "cli-pr0xy-s3cret"
const ca = join(mkdtempSync(join(tmpdir(), "deepset-tokens-proxy-")), "loopback-ca.pem")

beforeAll(() => {
  execFileSync(process.execPath, [fileURLToPath(new URL("../build.mjs", import.meta.url))])
  writeFileSync(ca, ForwardProxy.loopbackCa)
  return () => rmSync(join(ca, ".."), { recursive: true, force: true })
}, 60_000)

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

const proxyVariables = /^(https?|all|no)_proxy$/i

/** The CLI with only the given proxy variables (none inherited from the machine running the tests). */
const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.async<Run>((resume) => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !proxyVariables.test(name) && !name.startsWith("DEEPSET_"))
    )
    const started = Date.now()
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...base, DEEPSET_API_KEY: key, NODE_EXTRA_CA_CERTS: ca, ...env }, timeout: 20_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : -1,
          stdout,
          stderr,
          ms: Date.now() - started
        }))
    )
    return Effect.sync(() => child.kill())
  })

/** Nothing printed holds the key, the proxy password or user, or a stack trace. */
const clean = (run: Run) => {
  const basic = Buffer.from(`${user}:${password}`).toString("base64")
  for (const secret of [key, password, user, basic]) expect(run.stdout + run.stderr).not.toContain(secret)
  expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
}

const setup = Effect.gen(function*() {
  const sim = yield* Simulator.make({ tokens: 1, apiKey: key, log: false })
  const port = Number(new URL(sim.url).port)
  const https = yield* ForwardProxy.tlsFront(port)
  return { sim, port, https, httpsPort: Number(new URL(https).port), id: sim.ids[0]! }
})

describe("deepset-tokens get through a proxy", () => {
  it.scopedLive("HTTPS_PROXY: CONNECT and TLS inside the tunnel; the proxy never sees the key", () =>
    Effect.gen(function*() {
      const { https, httpsPort, id } = yield* setup
      const proxy = yield* ForwardProxy.make()
      // Both parsers: the plain command line and one only @effect/cli reads.
      for (const url of [["--base-url", https], [`--base-url=${https}`]]) {
        const run = yield* cli(["get", id, ...url, "--json"], { HTTPS_PROXY: proxy.url })
        expect(run.code).toBe(0)
        expect(JSON.parse(run.stdout).api_token_id).toBe(id)
        clean(run)
      }
      const seen = yield* proxy.requests
      expect(seen.map((r) => `${r.method} ${r.target}`)).toEqual([
        `CONNECT 127.0.0.1:${httpsPort}`,
        `CONNECT 127.0.0.1:${httpsPort}`
      ])
      const received = yield* proxy.received
      expect(received).not.toContain(key)
      expect(received).not.toContain(`/api/v1/token/${id}`)
    }))

  it.scopedLive("http_proxy: a plain-http target is sent in absolute form, which the proxy can read", () =>
    Effect.gen(function*() {
      const { id, port, sim } = yield* setup
      const proxy = yield* ForwardProxy.make()
      const run = yield* cli(["get", id, "--base-url", sim.url], { http_proxy: proxy.url })
      expect(run.code).toBe(0)
      clean(run)
      const seen = yield* proxy.requests
      expect(seen.map((r) => `${r.method} ${r.target}`)).toEqual([
        `GET http://127.0.0.1:${port}/api/v1/token/${id}`
      ])
      expect(seen[0]!.headers.host).toBe(`127.0.0.1:${port}`)
      // What PROXY.md warns about: over plain http, the proxy sees the key.
      expect(seen[0]!.headers.authorization).toBe(`Bearer ${key}`)
    }))

  it.scopedLive("NO_PROXY=127.0.0.1 and --no-proxy go direct; --proxy overrides the variables", () =>
    Effect.gen(function*() {
      const { https, id } = yield* setup
      const proxy = yield* ForwardProxy.make()
      const unused = yield* ForwardProxy.make()
      const [bypassed, ignored, overridden] = yield* Effect.all([
        cli(["get", id, "--base-url", https], { HTTPS_PROXY: unused.url, NO_PROXY: "localhost,127.0.0.1" }),
        cli(["get", id, "--base-url", https, "--no-proxy"], { HTTPS_PROXY: unused.url }),
        cli(["get", id, "--base-url", https, "--proxy", proxy.url], { HTTPS_PROXY: unused.url })
      ], { concurrency: 3 })
      for (const run of [bypassed, ignored, overridden]) {
        expect(run.code).toBe(0)
        clean(run)
      }
      expect(yield* unused.requests).toEqual([])
      expect(yield* unused.received).toBe("")
      expect((yield* proxy.requests).map((r) => r.method)).toEqual(["CONNECT"])
    }))

  it.scopedLive("proxy credentials are sent as Proxy-Authorization and never printed; a 407 is exit 10", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* setup
      const proxy = yield* ForwardProxy.make({ credentials: { user, password } })
      const ok = yield* cli(["get", id, "--base-url", https], { https_proxy: proxy.urlWithCredentials })
      expect(ok.code).toBe(0)
      clean(ok)
      expect((yield* proxy.requests)[0]!.headers["proxy-authorization"]).toBe(
        `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
      )
      const wrong = proxy.urlWithCredentials.replace(password, `${password}-wrong`)
      const refused = yield* cli(["get", id, "--base-url", https, "--retries", "0", "--proxy", wrong])
      expect(refused.code).toBe(Failure.ExitCode.network)
      expect(refused.stderr).toMatch(
        /^error: Network error: the proxy http:\/\/127\.0\.0\.1:\d+ refused the tunnel: 407/
      )
      clean(refused)
      // To a plain-http target the 407 answers the request itself: the same failure, not an odd status.
      const plain = yield* cli(["get", id, "--base-url", sim.url, "--retries", "0"], { http_proxy: wrong })
      expect(plain.code).toBe(Failure.ExitCode.network)
      expect(plain.stderr).toMatch(
        /^error: Network error: the proxy http:\/\/127\.0\.0\.1:\d+ refused the request: 407/
      )
      clean(plain)
    }))

  it.scopedLive("a proxy that resets is exit 10, one that stalls exit 9 within --timeout", () =>
    Effect.gen(function*() {
      const { https, id, sim } = yield* setup
      const reset = yield* ForwardProxy.make({ mode: "reset", credentials: { user, password } })
      const stall = yield* ForwardProxy.make({ mode: "stall", credentials: { user, password } })
      // A short timeout only for the stalls: five CLIs starting at once on a loaded machine could otherwise
      // take longer than it to see a reset.
      const args = ["--retries", "0", "--timeout", "5000"]
      const short = ["--retries", "0", "--timeout", "300"]
      const runs = yield* Effect.all([
        cli(["get", id, "--base-url", https, ...args], { HTTPS_PROXY: reset.urlWithCredentials }),
        cli(["get", id, "--base-url", https, ...short], { HTTPS_PROXY: stall.urlWithCredentials }),
        cli(["get", id, "--base-url", sim.url, ...args], { http_proxy: reset.urlWithCredentials }),
        cli(["get", id, "--base-url", sim.url, ...short], { http_proxy: stall.urlWithCredentials }),
        // Debug logs (the retry, the platform's own) carry no credentials either.
        cli(["get", id, "--base-url", https, "--retries", "1", "--timeout", "5000", "--log-level", "debug"], {
          HTTPS_PROXY: reset.urlWithCredentials
        })
      ], { concurrency: 5 })
      expect(runs.map((r) => r.code)).toEqual([
        Failure.ExitCode.network,
        Failure.ExitCode.timeout,
        Failure.ExitCode.network,
        Failure.ExitCode.timeout,
        Failure.ExitCode.network
      ])
      expect(runs[4]!.stderr).toMatch(/retrying/)
      // The failing hop is named, without its credentials.
      expect(runs[0]!.stderr).toMatch(/^error: Network error: through the proxy http:\/\/127\.0\.0\.1:\d+: /)
      for (const run of runs) {
        clean(run)
        expect(run.stderr).toMatch(/(^|\n)error: .+\nhint: {2}.+\n$/)
        // The process ends right after the timeout: nothing of the tunnel holds it open.
        expect(run.ms).toBeLessThan(5_000)
      }
      expect((yield* reset.requests).map((r) => r.method).sort()).toEqual(["CONNECT", "CONNECT", "CONNECT", "GET"])
      expect((yield* stall.requests).map((r) => r.method).sort()).toEqual(["CONNECT", "GET"])
    }))

  it.scopedLive("a bad --proxy is a usage error (2), a bad HTTPS_PROXY a configuration error (4), unquoted", () =>
    Effect.gen(function*() {
      const { https, id } = yield* setup
      const bad = `socks5://${user}:${password}@127.0.0.1:1080`
      const runs = yield* Effect.all([
        cli(["get", id, "--base-url", https, "--proxy", bad]),
        cli(["get", id, "--base-url", https, `--proxy=${bad}`]),
        cli(["get", id, "--base-url", https, "--proxy", "http://127.0.0.1:1", "--no-proxy"]),
        cli(["get", id, "--base-url", https], { HTTPS_PROXY: bad }),
        cli(["get", id, "--base-url", https], { HTTPS_PROXY: `http://${user}:%zz${password}@127.0.0.1:1` })
      ], { concurrency: 5 })
      expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 4, 4])
      expect(runs[0]!.stderr).toMatch(/^error: --proxy: only http:\/\/ proxies are supported/)
      expect(runs[1]).toEqual({ ...runs[0]!, ms: runs[1]!.ms })
      expect(runs[2]!.stderr).toMatch(/--proxy or --no-proxy, not both/)
      expect(runs[3]!.stderr).toMatch(/^error: HTTPS_PROXY is not a usable proxy/)
      expect(runs[4]!.stderr).toMatch(/percent-encoding/)
      for (const run of runs) {
        clean(run)
        expect(run.stdout).toBe("")
      }
    }))
})
