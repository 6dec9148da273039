// `pnpm bench`: builds each scenario with esbuild (what a user would run, bundled), runs it in its own
// process, and prints markdown tables (also written to RESULTS.md). BENCH_QUICK=1 for a short smoke run.
import { build } from "esbuild"
import { execFileSync, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const here = fileURLToPath(new URL(".", import.meta.url))
const quick = process.env.BENCH_QUICK === "1"
const env = { ...process.env, ROUNDS: quick ? "3" : "7", PER_ROUND: quick ? "500" : "2000" }

const bundle = (entry, out, extra = {}) =>
  build({
    entryPoints: [`${here}src/${entry}`],
    outfile: `${here}dist/${out}`,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from \"node:module\";const require = __cr(import.meta.url);" },
    ...extra
  })

const runJson = (file, extraEnv = {}, nodeArgs = []) =>
  JSON.parse(
    execFileSync(process.execPath, [...nodeArgs, `${here}dist/${file}`], {
      env: { ...env, ...extraEnv },
      maxBuffer: 1 << 24
    }).toString()
  )

const startProcess = (args, childEnv, ready) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...childEnv } })
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
      const found = ready(out)
      if (found !== undefined) resolve({ child, ...found })
    })
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`exited early (${code}): ${out}`)))
  })

// The simulator through the CLI's `serve`, in its own process; its banner gives the URL, key and an id.
const startSimulator = async (extraArgs) => {
  const sim = await startProcess(
    [`${here}../cli/dist/deepset-tokens.js`, "serve", "--port", "0", "--tokens", "1", ...extraArgs],
    {},
    (out) => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      const key = /accepted key: (\S+)/.exec(out)?.[1]
      const id = /seeded ids:\n\s+(\S+)/.exec(out)?.[1]
      return url && key && id ? { url, key, id } : undefined
    }
  )
  sim.child.stderr.resume()
  return sim
}

const stop = (child) =>
  new Promise((resolve) => {
    child.removeAllListeners("exit")
    child.on("exit", resolve)
    child.kill("SIGINT")
  })

const tokenId = "6f1c2a9e-3b7d-4e51-9a0c-2d8e4f7b1c35"
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

await Promise.all([
  bundle("peers.ts", "peers.mjs"),
  bundle("local.ts", "local.mjs"),
  bundle("memory.ts", "memory.mjs")
])
execFileSync(process.execPath, [`${here}../cli/build.mjs`])

print(`# deepset-tokens benchmarks`)
print()
print(
  `Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores${
    quick ? " (BENCH_QUICK)" : ""
  }.`
)
print()

// 1. Peers over loopback.
{
  const server = await startProcess([`${here}src/server.mjs`], { BODY: body }, (out) => {
    const port = Number(out.trim().split("\n")[0])
    return Number.isInteger(port) && port > 0 ? { port } : undefined
  })
  const rows = runJson("peers.mjs", { PORT: String(server.port), TOKEN_ID: tokenId })
  await stop(server.child)
  const limit = rows.find((r) => r.name.startsWith("raw undici"))
  print(`## Per retrieve over loopback (server in another process; median of ${env.ROUNDS} alternating rounds)`)
  print()
  print(`| client | c=1 µs | × raw undici | c=64 µs | × raw undici |`)
  print(`| --- | ---: | ---: | ---: | ---: |`)
  for (const r of rows) {
    print(`| ${r.name} | ${fmt(r.c1)} | ${fmt(r.c1 / limit.c1, 2)} | ${fmt(r.c64)} | ${fmt(r.c64 / limit.c64, 2)} |`)
  }
  print()
  print(
    `Our clients run with every safety feature on: decoding, a 10 s per-attempt timeout, the 1 MiB body cap and an armed retry policy (2 retries). Coalescing is off so every call is a request.`
  )
  print()
}

// 2. Socket-free costs.
{
  const rows = runJson("local.mjs")
  print(`## Without sockets (CPU per operation)`)
  print()
  print(`| operation | µs |`)
  print(`| --- | ---: |`)
  for (const r of rows) print(`| ${r.name} | ${r.note ? `${r.micros} (${r.note})` : fmt(r.micros, 2)} |`)
  print()
}

// 3. Memory against the simulator.
{
  const sim = await startSimulator(["--chaos", "latency=50ms"])
  const m = runJson("memory.mjs", { BASE_URL: sim.url, KEY: sim.key, TOKEN_ID: sim.id }, ["--expose-gc"])
  await stop(sim.child)
  print(`## Memory: 10,000 concurrent retrieves against the simulator (50 ms latency, undici, coalescing off)`)
  print()
  print(`| succeeded | wall ms | heap before MB | peak heap MB | peak RSS MB | retained after GC MB |`)
  print(`| ---: | ---: | ---: | ---: | ---: | ---: |`)
  print(
    `| ${m.ok} | ${fmt(m.wallMs, 0)} | ${fmt(m.baselineHeapMB)} | ${fmt(m.peakHeapMB)} | ${fmt(m.peakRssMB)} | ${
      fmt(m.retainedHeapMB, 2)
    } |`
  )
  print()
}

// 4. Cold start and bundle size.
{
  const sim = await startSimulator([])
  const runs = quick ? 5 : 15
  const wall = (args, e = {}) => {
    const times = []
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      execFileSync(process.execPath, args, { env: { ...process.env, ...e }, stdio: "ignore" })
      times.push(performance.now() - t0)
    }
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)]
  }
  const baseline = wall(["-e", "1"])
  const get = wall([`${here}../cli/dist/deepset-tokens.js`, "get", sim.id, "--base-url", sim.url], {
    DEEPSET_API_KEY: sim.key
  })
  await stop(sim.child)
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
    return { raw: bytes.length, gzip: gzipSync(bytes).length }
  }
  const ours = await size("app-ours.ts")
  const plain = await size("app-plain.ts")
  print(`## Cold start and bundle size`)
  print()
  print(`| measure | value |`)
  print(`| --- | ---: |`)
  print(`| \`node -e 1\` (median of ${runs}) | ${fmt(baseline, 0)} ms |`)
  print(`| \`deepset-tokens get <id>\` against a running simulator | ${fmt(get, 0)} ms (${fmt(get / baseline, 2)}×) |`)
  print(`| app on ApiTokens + FetchHttpClient, minified + gzipped | ${fmt(ours.gzip / 1024)} KB |`)
  print(`| same app directly on effect + @effect/platform | ${fmt(plain.gzip / 1024)} KB |`)
  print(`| what our packages add | ${fmt((ours.gzip - plain.gzip) / 1024)} KB |`)
  print()
}

writeFileSync(`${here}RESULTS.md`, `${lines.join("\n")}\n`)
