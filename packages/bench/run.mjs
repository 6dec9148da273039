// `pnpm bench`: builds each scenario with esbuild (what a user would run, bundled), runs it in its own
// process, and prints markdown tables (a full run also writes them to RESULTS.md).
//
//   node packages/bench/run.mjs                      every section except the profile (a few minutes)
//   BENCH_QUICK=1 node packages/bench/run.mjs        a ~1 minute smoke run (fewer rounds and requests)
//   node packages/bench/run.mjs peers ladder         only these sections
//   node packages/bench/run.mjs profile              CPU profiles of ApiTokens on UndiciTransport and raw undici
//                                                    at c=1, summarized into dist/profile/PROFILE.md
//
//   node packages/bench/run.mjs runtimes             the fetch path on Node 20/22/24, Bun and Deno, from packed packages
//                                                    (alone, it rewrites only its own block of RESULTS.md)
//
// Sections: peers, ladder, local, memory, cold, runtimes, profile. Env: ROUNDS, PER_ROUND, LADDER_ROUNDS,
// LADDER_PER_ROUND, PROFILE_REQUESTS, RUNTIME_ROUNDS, RUNTIME_PER_ROUND override the counts; RUNTIMES picks
// runtimes (e.g. RUNTIMES=node20,bun).
import { build } from "esbuild"
import { execFileSync, spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { summarize } from "./profile-summary.mjs"

const here = fileURLToPath(new URL(".", import.meta.url))
const dist = `${here}dist/`
const quick = process.env.BENCH_QUICK === "1"
const env = {
  ...process.env,
  ROUNDS: process.env.ROUNDS ?? (quick ? "3" : "7"),
  PER_ROUND: process.env.PER_ROUND ?? (quick ? "500" : "1500"),
  LADDER_ROUNDS: process.env.LADDER_ROUNDS ?? (quick ? "3" : "11"),
  LADDER_PER_ROUND: process.env.LADDER_PER_ROUND ?? (quick ? "300" : "500"),
  PROFILE_REQUESTS: process.env.PROFILE_REQUESTS ?? (quick ? "5000" : "20000"),
  RUNTIME_ROUNDS: process.env.RUNTIME_ROUNDS ?? (quick ? "2" : "3"),
  RUNTIME_PER_ROUND: process.env.RUNTIME_PER_ROUND ?? (quick ? "500" : "3000")
}
const allSections = ["peers", "ladder", "local", "memory", "cold", "runtimes"]
const args = process.argv.slice(2)
const sections = new Set(args.length === 0 ? allSections : args)
for (const s of sections) {
  if (![...allSections, "profile"].includes(s)) throw new Error(`unknown section ${s}; use ${allSections} or profile`)
}
const fullRun = allSections.every((s) => sections.has(s))

const bundle = (entry, out = entry.replace(/\.ts$/, ".mjs"), extra = {}) =>
  build({
    entryPoints: [`${here}src/${entry}`],
    outfile: `${dist}${out}`,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    // Some bundled CommonJS dependencies require Node built-ins; give ESM a require for them.
    banner: { js: "import { createRequire as __cr } from \"node:module\";const require = __cr(import.meta.url);" },
    ...extra
  })

const runJson = (file, extraEnv = {}, nodeArgs = []) => {
  try {
    return JSON.parse(
      execFileSync(process.execPath, [...nodeArgs, `${dist}${file}`], {
        env: { ...env, ...extraEnv },
        maxBuffer: 1 << 24,
        stdio: ["ignore", "pipe", "pipe"]
      }).toString()
    )
  } catch (e) {
    throw new Error(`${file} failed: ${e.stderr?.toString().trim() || e.message}`)
  }
}

/** Runs one section; a failure is reported in the output and the other sections still run. */
const children = new Set()
let failures = 0
const section = async (name, f) => {
  if (!sections.has(name)) return
  const started = performance.now()
  try {
    await f()
    process.stderr.write(`[bench] ${name}: ${fmt((performance.now() - started) / 1000, 0)} s\n`)
  } catch (e) {
    failures++
    print(`## ${name}: failed`)
    print()
    print("```")
    print(String(e?.message ?? e))
    print("```")
    print()
  } finally {
    await Promise.all([...children].map((c) => stop(c)))
  }
}

/** Starts a child process and resolves once `ready` finds what it needs in its stdout. */
const startProcess = (args, childEnv, ready) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...childEnv } })
    children.add(child)
    child.on("exit", () => children.delete(child))
    let out = ""
    let done = false
    child.stderr.resume()
    child.stdout.on("data", (d) => {
      if (done) return // keep draining so the child never blocks on a full pipe
      out += d
      const found = ready(out)
      if (found !== undefined) {
        done = true
        resolve({ child, ...found })
      }
    })
    child.on("error", reject)
    child.on("exit", (code) => {
      if (!done) reject(new Error(`${args[0]} exited early (${code}): ${out}`))
    })
  })

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.on("exit", resolve)
    child.kill("SIGTERM")
  })

/** The bench's own loopback server (node:http in another process). */
const startServer = (extraEnv = {}) =>
  startProcess([`${here}src/server.mjs`], { BODY: body, ...extraEnv }, (out) => {
    const port = Number(out.trim().split("\n")[0])
    return Number.isInteger(port) && port > 0 ? { port, url: `http://127.0.0.1:${port}` } : undefined
  })

const tokenId = "6f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35"
// A realistic TokenMeta body as the API sends it (419 bytes).
const body = JSON.stringify({
  all_workspaces: false,
  api_token_id: tokenId,
  expires: true,
  expires_at: "2027-06-13T00:17:00.000Z",
  masked_token: "axyb****orx1",
  name: "nightly-eval",
  organization_role: "ADMIN",
  personal: false,
  role: "ADMIN",
  user: { given_name: "Radia", family_name: "Perlman" },
  workspaces: [{ name: "default" }, { name: "production" }]
})

const fmt = (n, digits = 1) => n.toFixed(digits)
const lines = []
const print = (s = "") => {
  lines.push(s)
  process.stdout.write(`${s}\n`)
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// What exists yet: the simulator (packages/testing) and the CLI bundle (packages/cli/build.mjs).
const availability = async () => {
  const result = { simulator: false, cli: false, why: [] }
  if (existsSync(`${here}../testing/src/Simulator.ts`)) {
    try {
      await bundle("simulator.ts")
      result.simulator = true
    } catch (e) {
      result.why.push(`simulator does not build: ${String(e).split("\n")[0]}`)
    }
  } else result.why.push("packages/testing/src/Simulator.ts is missing")
  if (existsSync(`${here}../cli/build.mjs`)) {
    try {
      execFileSync(process.execPath, [`${here}../cli/build.mjs`], { stdio: "pipe" })
      result.cli = existsSync(`${here}../cli/dist/deepset-tokens.js`)
      if (!result.cli) result.why.push("packages/cli/build.mjs did not write dist/deepset-tokens.js")
    } catch (e) {
      result.why.push(`the CLI does not build: ${String(e).split("\n")[0]}`)
    }
  } else result.why.push("packages/cli/build.mjs is missing")
  return result
}

const startSimulator = (latencyMs = 0) =>
  startProcess([`${dist}simulator.mjs`], { LATENCY_MS: String(latencyMs) }, (out) => {
    const line = out.split("\n").find((l) => l.startsWith("{"))
    return line === undefined ? undefined : JSON.parse(line)
  })

rmSync(`${dist}profile`, { recursive: true, force: true })
mkdirSync(dist, { recursive: true })
await Promise.all(
  ["peers.ts", "ladder.ts", "local.ts", "memory.ts", "profile.ts", "app-ours.ts", "app-plain.ts"].map((e) => bundle(e))
)
const have = sections.has("memory") || sections.has("cold")
  ? await availability()
  : { simulator: false, cli: false, why: [] }

print(`# deepset-tokens benchmarks`)
print()
print(
  `Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${
    fmt(totalmem() / 2 ** 30, 0)
  } GB RAM, ${process.platform}/${process.arch}${quick ? " (BENCH_QUICK: smoke run, numbers are rough)" : ""}.`
)
print(`Each scenario is bundled with esbuild (platform node, esm, target node20) and run in its own process.`)
print(
  `Reproduce with \`pnpm bench\` (about 5 minutes; \`BENCH_QUICK=1\` for a smoke run); \`node packages/bench/run.mjs profile\` for CPU profiles. What the numbers mean: packages/bench/WHERE-THE-TIME-GOES.md.`
)
const load = () => loadavg().map((l) => fmt(l, 2)).join(" / ")
print(`Load average (1 / 5 / 15 min) at the start: ${load()}.`)
print()

// 1. Peers over loopback.
await section("peers", async () => {
  const server = await startServer()
  const rows = runJson("peers.mjs", { PORT: String(server.port), TOKEN_ID: tokenId })
  await stop(server.child)
  print(
    `## Per retrieve over loopback (server in another process; median of ${env.ROUNDS} alternating rounds of ${env.PER_ROUND} requests)`
  )
  print()
  print(
    `| client | c=1 µs (min–max) | c=1 × raw undici | c=64 µs (min–max) | c=64 × raw undici | client CPU µs, c=1 / c=64 |`
  )
  print(`| --- | ---: | ---: | ---: | ---: | ---: |`)
  for (const r of rows) {
    print(
      `| ${r.name} | ${fmt(r.c1.median)} (${fmt(r.c1.min, 0)}–${fmt(r.c1.max, 0)}) | ${fmt(r.ratio1.median, 2)} | ${
        fmt(r.c64.median)
      } (${fmt(r.c64.min, 0)}–${fmt(r.c64.max, 0)}) | ${fmt(r.ratio64.median, 2)} | ${fmt(r.cpu1, 0)} / ${
        fmt(r.cpu64, 0)
      } |`
    )
  }
  print()
  print(
    `µs per request is wall time divided by requests (at c=64, 64 requests are in flight at once). Ratios are taken within each round, then the median. Our clients run with every safety feature on: decoding, a 10 s per-attempt timeout, the 1 MiB body cap and an armed retry policy (2 retries); coalescing is off so every call is a request (with it on, the 64 concurrent same-id calls would share one request). Keep-alive everywhere: raw undici and ours on \`UndiciTransport\` share one \`undici.Agent\` (128 connections); raw fetch, openapi-fetch and ours on \`FetchTransport\` use Node's global dispatcher. The ladder below shows the defaults (coalescing on) at c=1.`
  )
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]))
  const ours = byName["ApiTokens on UndiciTransport"]
  const oa = byName["openapi-fetch"]
  const ourFetch = byName["ApiTokens on FetchTransport"]
  const rawFetch = byName["raw fetch"]
  if (ours && oa && ourFetch && rawFetch) {
    const check = (ok) => (ok ? "met" : "**not met**")
    print()
    print(`| target | this run | status |`)
    print(`| --- | ---: | --- |`)
    print(
      `| undici transport ≤ 1.25× raw undici at c=1 | ${fmt(ours.ratio1.median, 2)}× | ${
        check(ours.ratio1.median <= 1.25)
      } |`
    )
    print(
      `| undici transport ≤ 1.5× raw undici at c=64 | ${fmt(ours.ratio64.median, 2)}× | ${
        check(ours.ratio64.median <= 1.5)
      } |`
    )
    const f1 = ourFetch.c1.median / rawFetch.c1.median
    const f64 = ourFetch.c64.median / rawFetch.c64.median
    print(
      `| fetch transport ≤ 1.15× raw fetch (c=1 / c=64) | ${fmt(f1, 2)}× / ${fmt(f64, 2)}× | ${
        check(f1 <= 1.15 && f64 <= 1.15)
      } |`
    )
    print(
      `| undici transport beats openapi-fetch's ratio at both concurrencies | ${fmt(ours.ratio1.median, 2)} vs ${
        fmt(oa.ratio1.median, 2)
      }, ${fmt(ours.ratio64.median, 2)} vs ${fmt(oa.ratio64.median, 2)} | ${
        check(ours.ratio1.median < oa.ratio1.median && ours.ratio64.median < oa.ratio64.median)
      } |`
    )
  }
  print()
})

// 2. The ladder: what each piece of the pipeline adds, c=1.
await section("ladder", async () => {
  const server = await startServer()
  const rows = runJson("ladder.mjs", { PORT: String(server.port), TOKEN_ID: tokenId, ROUNDS: env.LADDER_ROUNDS })
  await stop(server.child)
  const limit = rows[0]
  print(
    `## Where the time goes: one piece at a time (c=1, same loopback server; median of ${env.LADDER_ROUNDS} rotating rounds of ${env.LADDER_PER_ROUND})`
  )
  print()
  print(`| pipeline | wall µs | × raw undici | client CPU µs | × raw undici |`)
  print(`| --- | ---: | ---: | ---: | ---: |`)
  for (const r of rows) {
    print(
      `| ${r.name} | ${fmt(r.micros)} | ${fmt(r.micros / limit.micros, 2)} | ${fmt(r.cpu)} | ${
        fmt(r.cpu / limit.cpu, 2)
      } |`
    )
  }
  print()
  print(
    `Client CPU is the benchmark process's user + system time per request (GC threads included); it excludes the server and is steadier than wall time on a shared machine. Each rung adds one piece to the one above it (the fetch rungs form their own short ladder).`
  )
  print()
})

// 3. Socket-free costs.
await section("local", async () => {
  const rows = runJson("local.mjs")
  print(`## Without sockets: CPU per operation (fake transport, \`FakeDeepsetApi.layer()\`)`)
  print()
  print(`| operation | CPU µs |`)
  print(`| --- | ---: |`)
  for (const r of rows) print(`| ${r.name} | ${r.text ?? fmt(r.micros, 2)} |`)
  print()
  print(
    `CPU is user + system time of the process (GC threads included) over sequential calls, one \`runPromise\` each. The error rows use the default retry policy off (\`retry: false\`) so a 429 is one attempt. Scripted answers (429, malformed) carry Content-Length as a real server's would; the fault is scripted inside the same \`runPromise\` (a \`Ref\` update). The fake builds a WHATWG \`Response\` per answer, so its rows are upper bounds of the client's own cost. The fake is an ordinary \`HttpClient\`, so these rows take the generic path (the platform pipeline and a timeout fiber per attempt); on \`UndiciTransport\` the same calls take the lean path, whose whole cost, socket included, is the ladder's "lean path" rung.`
  )
  print()
})

// 4. Memory: 10,000 concurrent retrieves against the simulator (or the bench's own server) with latency.
await section("memory", async () => {
  const latency = 50
  const target = have.simulator
    ? { label: "the simulator", start: () => startSimulator(latency) }
    : {
      label: "the bench's own node:http server (simulator not available yet)",
      start: () => startServer({ LATENCY_MS: String(latency) }).then((s) => ({ ...s, key: "k", id: tokenId }))
    }
  print(
    `## Memory: 10,000 concurrent retrieves against ${target.label}, ${latency} ms added latency, in another process`
  )
  print()
  print(
    `| client | ok | retries | wall ms | sockets | heap before MB | peak heap MB | peak RSS MB | retained, runtime alive MB | heap growth over a 2nd burst MB | retained after dispose MB |`
  )
  print(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`)
  const notes = []
  for (const client of ["ours", "raw"]) {
    const sim = await target.start()
    const m = runJson("memory.mjs", { BASE_URL: sim.url, KEY: sim.key, TOKEN_ID: sim.id, CLIENT: client }, [
      "--expose-gc"
    ])
    await stop(sim.child)
    print(
      `| ${
        client === "ours" ? "ApiTokens on UndiciTransport (coalescing off)" : "raw undici.request + JSON.parse"
      } | ${m.ok} | ${client === "ours" ? m.retries : "n/a"} | ${fmt(m.wallMs, 0)} | ${m.peakConnections} | ${
        fmt(m.baselineHeapMB)
      } | ${fmt(m.peakHeapMB)} | ${fmt(m.peakRssMB)} | ${fmt(m.retainedAliveMB, 2)} | ${
        m.growthMB === undefined ? "n/a" : fmt(m.growthMB, 2)
      } | ${fmt(m.retainedDisposedMB, 2)} |`
    )
    const failures = Object.entries(m.failures)
    if (failures.length > 0) notes.push(`${client} failed calls: ${failures.map(([k, v]) => `${v}× ${k}`).join(", ")}`)
  }
  print()
  if (notes.length > 0) print(`${notes.join(". ")}.`)
  print(
    `Peaks are sampled every 5 ms. "Retained" is heapUsed after the run and forced GCs minus heapUsed before it; "runtime alive" still holds the open keep-alive sockets of the default undici Agent (no per-origin limit, so about one socket per concurrent call) and the JIT's compiled code. The leak check is the heap growth over a second identical burst: near zero means nothing accumulates per call. Ours runs with a 60 s per-attempt timeout (the server, not the client, is the bottleneck at this load) and 2 retries, counted from its debug log; raw undici has no retries and a 30 s headers/body timeout, and it fires all 10,000 requests in one tick, which can overflow the server's accept queue (hence any resets). Wall time is mostly the server's: it accepts and answers 10,000 connections on one core.`
  )
  print()
})

// 5. Cold start and bundle size.
await section("cold", async () => {
  const size = async (entry) => {
    const result = await build({
      entryPoints: [`${here}src/${entry}`],
      bundle: true,
      minify: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      logLevel: "error"
    })
    const bytes = result.outputFiles[0].contents
    writeFileSync(`${dist}${entry.replace(/\.ts$/, ".min.mjs")}`, bytes)
    return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
  }
  const ours = await size("app-ours.ts")
  const plain = await size("app-plain.ts")
  print(`## Cold start and bundle size`)
  print()
  print(`| measure | value |`)
  print(`| --- | ---: |`)
  const runs = quick ? 5 : 9
  const rawHttp =
    "require('node:http').get(process.env.URL,{headers:{authorization:'Bearer '+process.env.KEY}},(r)=>{let b='';r.on('data',(d)=>b+=d);r.on('end',()=>console.log(JSON.parse(b).name))})"
  const rawFetch =
    "fetch(process.env.URL,{headers:{authorization:'Bearer '+process.env.KEY}}).then((r)=>r.json()).then((j)=>console.log(j.name))"
  if (have.simulator) {
    const sim = await startSimulator()
    const commands = {
      node: [["-e", "1"], {}],
      ...(have.cli
        ? {
          cliVersion: [[`${here}../cli/dist/deepset-tokens.js`, "--version"], {}],
          cliGet: [[`${here}../cli/dist/deepset-tokens.js`, "get", sim.id, "--base-url", sim.url], {
            DEEPSET_API_KEY: sim.key
          }]
        }
        : {}),
      rawHttp: [["-e", rawHttp], { URL: `${sim.url}/api/v1/token/${sim.id}`, KEY: sim.key }],
      rawFetch: [["-e", rawFetch], { URL: `${sim.url}/api/v1/token/${sim.id}`, KEY: sim.key }],
      appOurs: [[`${dist}app-ours.min.mjs`, sim.id], { DEEPSET_API_KEY: sim.key, DEEPSET_API_URL: sim.url }],
      appPlain: [[`${dist}app-plain.min.mjs`, sim.id], { DEEPSET_API_KEY: sim.key, DEEPSET_API_URL: sim.url }]
    }
    const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
    // Interleaved: one run of each command per round, so machine noise hits all of them alike.
    for (let i = 0; i < runs; i++) {
      for (const [name, [argv, e]] of Object.entries(commands)) {
        const t0 = performance.now()
        execFileSync(process.execPath, argv, { env: { ...process.env, ...e }, stdio: "ignore" })
        times[name].push(performance.now() - t0)
      }
    }
    await stop(sim.child)
    const base = median(times.node)
    const row = (label, name) => {
      const t = median(times[name])
      print(`| ${label} | ${fmt(t, 0)} ms (${fmt(t / base, 2)}× \`node -e 1\`) |`)
    }
    print(`| \`node -e 1\` (median of ${runs}, interleaved with the rows below) | ${fmt(base, 0)} ms |`)
    if (have.cli) {
      row("`deepset-tokens get <id>` against a running simulator (the bundled CLI)", "cliGet")
      row("`deepset-tokens --version` (loading the CLI bundle, no request)", "cliVersion")
    } else print(`| \`deepset-tokens get <id>\` | n/a (CLI not available yet) |`)
    row("for scale: one raw `node:http` GET + JSON.parse in a fresh process", "rawHttp")
    row("for scale: one raw `fetch` + JSON.parse in a fresh process", "rawFetch")
    row("minimal app on ApiTokens + FetchHttpClient, minified, one retrieve", "appOurs")
    row("same app directly on effect + @effect/platform, minified, one request", "appPlain")
  } else {
    print(`| \`deepset-tokens get <id>\` cold start | n/a (simulator/CLI not available yet) |`)
  }
  print(
    `| app on ApiTokens + FetchHttpClient: minified / gzipped | ${fmt(ours.raw / 1024)} KB / ${
      fmt(ours.gzip / 1024)
    } KB |`
  )
  print(
    `| same app directly on effect + @effect/platform: minified / gzipped | ${fmt(plain.raw / 1024)} KB / ${
      fmt(plain.gzip / 1024)
    } KB |`
  )
  print(`| what our packages add, gzipped | ${fmt((ours.gzip - plain.gzip) / 1024)} KB |`)
  print()
  print(
    `Both apps (packages/bench/src/app-*.ts) use subpath imports (\`effect/Effect\`, \`@effect/platform/FetchHttpClient\`); the plain one has its own key config, bearer auth, status check, timeout, retries and a schema for the token's fields. Bundled with esbuild (minify, platform node, esm), gzip level 9.`
  )
  if (have.why.length > 0) print(`Not available: ${have.why.join("; ")}.`)
  print()
})

// 6. The runtime matrix: the fetch path on Node 20/22/24, Bun and Deno. Our packages are built, packed and
// installed with plain npm into a throwaway project (dist/runtimes/project), as a user would get them; one plain
// ESM script (src/runtimes/bench.mjs) runs unchanged on every runtime against the loopback server.
let runtimesBlock
await section("runtimes", async () => {
  const root = `${here}../../`
  const work = `${dist}runtimes/`
  const tgz = `${work}tgz/`
  const project = `${work}project/`
  const sh = (cmd, argv, cwd, timeout = 600_000, extraEnv = {}) => {
    try {
      return execFileSync(cmd, argv, {
        cwd,
        env: { ...process.env, ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
        timeout
      }).toString()
    } catch (e) {
      throw new Error(`${cmd} ${argv.join(" ")} failed: ${e.stderr?.toString().trim().slice(-2000) || e.message}`)
    }
  }
  // Build (tsc -b follows the client's references to the domain and the wire core), then pack with pnpm, which applies
  // publishConfig (exports pointing at build/) the way a publish would.
  sh(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/client/tsconfig.build.json"], root)
  rmSync(tgz, { recursive: true, force: true })
  mkdirSync(tgz, { recursive: true })
  const pnpmVersion = JSON.parse(readFileSync(`${root}package.json`, "utf8")).packageManager
  const pnpm = process.env.npm_execpath?.includes("pnpm")
    ? [process.execPath, [process.env.npm_execpath]]
    : ["npx", ["-y", pnpmVersion]]
  for (const pkg of ["wire", "domain", "client"]) {
    sh(pnpm[0], [...pnpm[1], "pack", "--pack-destination", tgz], `${root}packages/${pkg}`)
  }
  const tarballs = readdirSync(tgz).filter((f) => f.endsWith(".tgz"))
  const own = JSON.parse(readFileSync(`${here}package.json`, "utf8")).dependencies
  mkdirSync(project, { recursive: true })
  rmSync(`${project}node_modules/@deepset-tokens`, { recursive: true, force: true })
  rmSync(`${project}package-lock.json`, { force: true })
  writeFileSync(
    `${project}package.json`,
    JSON.stringify(
      {
        name: "runtime-matrix",
        private: true,
        type: "module",
        dependencies: {
          ...Object.fromEntries(
            tarballs.map((
              f
            ) => [
              f.replace(/-\d+\.\d+\.\d+\.tgz$/, "").replace(/^deepset-tokens-/, "@deepset-tokens/"),
              `file:../tgz/${f}`
            ])
          ),
          ...Object.fromEntries(
            ["effect", "@effect/platform", "@effect/platform-node", "openapi-fetch", "undici"].map((d) => [d, own[d]])
          )
        }
      },
      null,
      2
    )
  )
  sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project)
  for (const f of ["bench.mjs"]) {
    copyFileSync(`${here}src/runtimes/${f}`, `${project}${f}`)
  }

  const all = {
    node20: [process.execPath, []],
    node22: ["npx", ["-y", "node@22"]],
    node24: ["npx", ["-y", "node@24"]],
    bun: ["npx", ["-y", "bun@1.4.4"]],
    deno: ["npx", ["-y", "deno@2.9.6", "run", "-A"]]
  }
  const picked = (process.env.RUNTIMES ?? Object.keys(all).join(",")).split(",")
  const server = await startServer()
  const results = []
  const errors = []
  for (const name of picked) {
    const [cmd, pre] = all[name] ?? [undefined]
    if (cmd === undefined) throw new Error(`unknown runtime ${name}; use ${Object.keys(all)}`)
    process.stderr.write(`[bench] runtimes: ${name}\n`)
    try {
      const outText = sh(cmd, [...pre, "bench.mjs"], project, 1_800_000, {
        PORT: String(server.port),
        TOKEN_ID: tokenId,
        ROUNDS: env.RUNTIME_ROUNDS,
        PER_ROUND: env.RUNTIME_PER_ROUND
      })
      results.push(JSON.parse(outText.trim().split("\n").pop()))
    } catch (e) {
      errors.push(`${name}: ${String(e.message).slice(0, 600)}`)
    }
  }
  await stop(server.child)

  const start = lines.length
  print(`<!-- runtimes:start (node packages/bench/run.mjs runtimes rewrites this block) -->`)
  print(
    `## The fetch path on every runtime (packed packages installed with plain npm; best of ${env.RUNTIME_ROUNDS} alternating rounds of ${env.RUNTIME_PER_ROUND} requests)`
  )
  print(
    `${
      new Date().toISOString().slice(0, 16)
    } UTC; load average (1 / 5 / 15 min) at the end of this section: ${load()}. Wall times on a busy machine move by tens of percent between rounds; the CPU column is steadier.`
  )
  print()
  const cell = (x, f) => (x === null || x === undefined ? "n/a" : f(x))
  const ratio = (row, c) => cell(row?.[`c${c}`], (m) => fmt(m.ratio, 2))
  const find = (rows, prefix) => rows?.find((r) => r.name.startsWith(prefix))
  print(
    `| runtime | openapi-fetch c=1 / c=64 | ApiTokens on FetchTransport c=1 / c=64 | the least an Effect call costs c=1 / c=64 | floor (below openapi-fetch at both) | goal (≤ 1.1× at both) |`
  )
  print(`| --- | ---: | ---: | ---: | --- | --- |`)
  for (const r of results) {
    const rows = r.groups.fetch
    const oa = find(rows, "openapi-fetch")
    const ours = find(rows, "ApiTokens on FetchTransport")
    const least = find(rows, "the same GET in runPromise")
    const floor = (x) => x.c1.ratio < oa.c1.ratio && x.c64.ratio < oa.c64.ratio ? "met" : "**not met**"
    const goal = (x) => x.c1.ratio <= 1.1 && x.c64.ratio <= 1.1 ? "met" : "**not met**"
    print(
      `| ${r.runtime} | ${ratio(oa, 1)} / ${ratio(oa, 64)} | ${ratio(ours, 1)} / ${ratio(ours, 64)} | ${
        ratio(least, 1)
      } / ${ratio(least, 64)} | ${floor(ours)} | ${goal(ours)} |`
    )
  }
  print()
  print(
    `Ratios are to raw \`fetch\` + \`JSON.parse\` on the same runtime in the same run (best round over best round). Ours run with every safety feature on: a 10 s per-attempt timeout covering the body, the 1 MiB body cap, redirects refused, decoding and 2 retries armed; coalescing off, so every call is a request, each its own \`runPromise\`. The server is the bench's node:http server in another process (keep-alive). "The least an Effect call costs" is the wire core's fetch GET (what \`FetchTransport\` sends with, its timer and decode included) in one \`runPromise(Effect.async)\` with nothing else: no client built on Effect can cost less on that runtime (see WHERE-THE-TIME-GOES.md).`
  )
  print()
  for (const r of results) {
    print(`### ${r.runtime}`)
    print()
    for (const rows of Object.values(r.groups)) {
      const ref = rows[0].name
      print(
        `| client | c=1 µs | c=1 × ${ref.replace(/ \+ JSON.parse$/, "")} | c=64 µs | c=64 × ${
          ref.replace(/ \+ JSON.parse$/, "")
        } | client CPU µs c=1 / c=64 |`
      )
      print(`| --- | ---: | ---: | ---: | ---: | ---: |`)
      for (const row of rows) {
        print(
          `| ${row.name} | ${cell(row.c1, (m) => fmt(m.us))} | ${ratio(row, 1)} | ${
            cell(row.c64, (m) => fmt(m.us))
          } | ${ratio(row, 64)} | ${cell(row.c1?.cpu, (x) => fmt(x, 0))} / ${cell(row.c64?.cpu, (x) => fmt(x, 0))} |`
        )
      }
      print()
    }
  }
  if (errors.length > 0) {
    print(`Runtimes that failed: ${errors.join("; ")}`)
    print()
    failures++
  }
  print(
    `CPU is the bench process's user + system time per request (\`process.cpuUsage\`; Deno and Bun report it through their Node compatibility). The undici table (Node only) is \`UndiciTransport\` against raw \`undici.request\` on one \`undici.Agent\`, a client derived with \`HttpClient.mapRequest\` (adding a header), which keeps the lean GET with the mapped request, and one derived with \`HttpClient.tap\`, which takes the generic path (the platform pipeline).`
  )
  print(`<!-- runtimes:end -->`)
  print()
  runtimesBlock = lines.slice(start).join("\n")
})

// 7. Profiles (not part of the default run): ApiTokens on UndiciTransport and raw undici, c=1 (or CONCURRENCY).
await section("profile", async () => {
  const server = await startServer()
  const dir = `${dist}profile/`
  const out = []
  for (const client of ["ours", "raw"]) {
    const target = `${dir}${client}/`
    mkdirSync(target, { recursive: true })
    const r = runJson("profile.mjs", { PORT: String(server.port), TOKEN_ID: tokenId, CLIENT: client }, [
      "--cpu-prof",
      `--cpu-prof-dir=${target}`,
      "--cpu-prof-interval=250"
    ])
    const file = readdirSync(target).find((f) => f.endsWith(".cpuprofile"))
    const label = client === "ours" ? "ApiTokens on UndiciTransport" : "raw undici.request + JSON.parse"
    out.push(
      `## ${label}, c=${env.CONCURRENCY ?? 1}: ${r.requests} requests after 2,000 warm-up, ${
        fmt((r.wallMs * 1000) / r.requests)
      } µs each`
    )
    out.push("")
    out.push(summarize(`${target}${file}`, `${dist}profile.mjs`, 30, r.requests + 2000))
    out.push("")
  }
  await stop(server.child)
  writeFileSync(`${dir}PROFILE.md`, `${out.join("\n")}\n`)
  print(out.join("\n"))
  print(`Profiles and this summary are in ${dir} (open the .cpuprofile files in Chrome DevTools).`)
  print()
})

print(`Load average at the end: ${load()}.`)
if (fullRun && !quick && failures === 0) writeFileSync(`${here}RESULTS.md`, `${lines.join("\n")}\n`)
else {
  writeFileSync(`${dist}RESULTS.last.md`, `${lines.join("\n")}\n`)
  // The runtime matrix alone (slow, and it needs registry downloads) updates its own block and keeps the rest.
  if (runtimesBlock !== undefined && !quick && failures === 0) {
    const current = readFileSync(`${here}RESULTS.md`, "utf8")
    const found = /<!-- runtimes:start[^]*?<!-- runtimes:end -->\n\n?/.exec(current)
    const block = `${runtimesBlock}\n`
    const at = current.indexOf("Load average at the end")
    writeFileSync(
      `${here}RESULTS.md`,
      found !== null
        ? current.replace(found[0], block)
        : at >= 0
        ? `${current.slice(0, at)}${block}${current.slice(at)}`
        : `${current}\n${block}`
    )
  }
}
if (failures > 0) process.exitCode = 1
