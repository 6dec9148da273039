// The CLI as users get it: `npm install -g` of its tarball into a throwaway prefix, then `deepset-tokens` run
// from there on Node 22 and 24 (from the registry, `npx -y node@N`), and on the Node that built it.
//
//   node test/runtimes/cli.mjs                 node22, node24 and the building Node
//   node test/runtimes/cli.mjs node24          only these
//
// For each Node: the bin's `#!/usr/bin/env node` finds that Node first on PATH (npm's own Node installs it);
// `--version`, `--help`, `demo`, `serve` with `get` and `check` against it, and the exit codes. The tarball
// must declare no dependencies (dist/ is bundled) and ship dist/. The V8 code cache is made by the building
// Node: on that Node it is used, on any other it is skipped (its Node line differs), and the CLI works the same.
// Prints one line per check and `cli: N passed, N failed`; exits 1 if any failed.
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const runtimes = [
  { label: "node22", command: ["npx", "-y", "node@22"] },
  { label: "node24", command: ["npx", "-y", "node@24"] },
  { label: `node${process.versions.node.split(".")[0]} (builds)`, command: [process.execPath], builder: true }
]
const wanted = process.argv.slice(2)
const selected = runtimes.filter((r) => wanted.length === 0 || wanted.some((w) => r.label.startsWith(w)))
if (selected.length === 0) throw new Error(`unknown runtime ${wanted.join(" ")}`)

let passed = 0
let failed = 0
/** One line per check; what went wrong, on one line, only for a failure. */
const check = (label, ok, detail = "") => {
  if (ok) passed++
  else failed++
  const why = String(detail).replace(/\s+/g, " ").trim().slice(0, 400)
  console.log(`${ok ? "ok  " : "FAIL"} ${label}${ok || why === "" ? "" : `: ${why}`}`)
}
const attempt = async (label, body) => {
  try {
    await body()
  } catch (error) {
    check(label, false, error instanceof Error ? error.message : String(error))
  }
}

// 1. The tarball, as `pnpm pack-all` makes it.
execFileSync(process.execPath, [join(root, "scripts/pack-all.mjs")], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"]
})
const tarball = join(
  root,
  "dist-packages",
  readdirSync(join(root, "dist-packages")).find((f) => /^deepset-tokens-cli-.+\.tgz$/.test(f))
)
const work = mkdtempSync(join(tmpdir(), "deepset-tokens-cli-"))
const manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }))
const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n")
check(
  "tarball: no dependencies (dist/ is bundled)",
  Object.keys(manifest.dependencies ?? {}).length === 0,
  JSON.stringify(manifest.dependencies)
)
const shipped = ["dist/deepset-tokens.js", "dist/get.js", "dist/cli.js", "dist/package.json", "dist/get.js.cache"]
check(
  "tarball: ships dist/ (entry, scripts, code caches) and the bin points there",
  shipped.every((f) => files.includes(`package/${f}`)) &&
    manifest.bin?.["deepset-tokens"] === "./dist/deepset-tokens.js",
  shipped.filter((f) => !files.includes(`package/${f}`)).join(", ")
)
check(
  "tarball: no sources, tests or configs",
  files.every((f) => /^package\/(dist\/|README\.md$|LICENSE$|CHANGELOG\.md$|package\.json$)/.test(f)),
  files.filter((f) => !/^package\/(dist\/|README|LICENSE|CHANGELOG|package\.json)/.test(f)).join(", ")
)
// What the bundles still require at run time: Node's own modules, and ws's optional native helpers, which ws
// requires inside a try and does without.
execFileSync("tar", ["-xzf", tarball, "-C", work])
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))
const optional = new Set(["bufferutil", "utf-8-validate"])
const required = new Set(
  ["deepset-tokens.js", "get.js", "cli.js"].flatMap((f) =>
    [...readFileSync(join(work, "package/dist", f), "utf8").matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1])
  )
)
const outside = [...required].filter((m) => !builtins.has(m) && !optional.has(m) && !m.startsWith("."))
check("dist/ requires nothing outside Node but ws's optional helpers", outside.length === 0, outside.join(", "))

// The Node line the code cache carries (train-cache.mjs writes it after the build line).
const cacheFile = readFileSync(join(work, "package/dist/get.js.cache")).toString("latin1")
const cacheNode = cacheFile.split("\n")[1]

const run = (cmd, args, options = {}) => spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, ...options })

/** `serve` in the background until its banner is printed; resolves to the URL, the ids and a stopper. */
const startServe = (bin, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(bin, ["serve", "--port", "0", "--tokens", "6"], { env, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    const timer = setTimeout(() => reject(new Error(`serve printed no banner: ${out}`)), 30_000)
    child.stdout.on("data", (chunk) => {
      out += chunk
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      const ids = [...out.matchAll(/^ {4}([0-9a-f-]{36})$/gm)].map((m) => m[1])
      if (url !== undefined && ids.length >= 5) {
        clearTimeout(timer)
        const exited = new Promise((done) => child.on("exit", (code, signal) => done({ code, signal })))
        resolve({ url, ids, stop: () => (child.kill("SIGINT"), exited) })
      }
    })
    child.on("error", reject)
  })

for (const runtime of selected) {
  const { label } = runtime
  await attempt(`${label}: install and run`, async () => {
    const [cmd, ...pre] = runtime.command
    const execPath = run(cmd, [...pre, "-p", "process.execPath"]).stdout.trim()
    const version = run(execPath, ["-p", "process.version"]).stdout.trim()
    const prefix = join(work, label.split(" ")[0])
    // This Node first on PATH: npm runs on it, and the bin's `#!/usr/bin/env node` finds it.
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?|all|no)_proxy$/i.test(k))),
      PATH: `${dirname(execPath)}${delimiter}${process.env.PATH}`,
      DEEPSET_API_KEY: "api_local_simulator_key"
    }
    delete env.DEEPSET_API_URL
    const onPath = run("node", ["-p", "process.version"], { env }).stdout.trim()
    check(`${label}: its node is first on PATH`, onPath === version && version !== "", `${onPath} vs ${version}`)
    const install = run("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tarball], { env })
    check(`${label}: npm install -g --prefix of the tarball`, install.status === 0, install.stderr.trim())
    const bin = join(prefix, "bin", "deepset-tokens")
    const installed = join(prefix, "lib", "node_modules", "@deepset-tokens", "cli")
    const modules = readdirSync(join(installed), { withFileTypes: true }).map((d) => d.name)
    check(`${label}: nothing but the package installed`, !modules.includes("node_modules"), modules.join(" "))

    const v = run(bin, ["--version"], { env })
    check(`${label}: --version`, v.status === 0 && v.stdout.trim() === manifest.version, v.stdout + v.stderr)
    const help = run(bin, ["--help"], { env })
    check(
      `${label}: --help lists get, check, serve and demo`,
      help.status === 0 && ["get", "check", "serve", "demo"].every((c) => help.stdout.includes(c)),
      help.stderr
    )
    const demo = run(bin, ["demo"], { env })
    check(
      `${label}: demo`,
      demo.status === 0 && demo.stdout.includes("Retrieve token") && demo.stdout.includes("pnpm deepset-tokens serve"),
      `exit ${demo.status} ${demo.stderr.slice(-300)}`
    )

    const serve = await startServe(bin, env)
    try {
      const got = run(bin, ["get", serve.ids[0], "--base-url", serve.url, "--json"], { env })
      check(
        `${label}: get against serve (the fast path)`,
        got.status === 0 && JSON.parse(got.stdout).api_token_id === serve.ids[0],
        `exit ${got.status} ${got.stderr}`
      )
      const viaCli = run(bin, ["get", `--base-url=${serve.url}`, serve.ids[0], "--json"], { env })
      check(`${label}: get through @effect/cli prints the same`, viaCli.status === 0 && viaCli.stdout === got.stdout)
      const missing = run(bin, ["get", "00000000-0000-4000-8000-000000000000", "--base-url", serve.url], { env })
      check(`${label}: get of an unknown id exits 7`, missing.status === 7, `exit ${missing.status}`)
      const checked = run(
        bin,
        ["check", ...serve.ids, "00000000-0000-4000-8000-000000000000", "--json", "--base-url", serve.url],
        { env }
      )
      const rows = checked.status === 20 ? JSON.parse(checked.stdout) : []
      check(
        `${label}: check exits 20 with one row per id`,
        rows.length === serve.ids.length + 1 && rows.at(-1).reasons[0] === "not found",
        `exit ${checked.status} ${checked.stderr}`
      )
      const usage = run(bin, ["check", serve.ids[0], "--valid-for", "soon"], { env })
      check(`${label}: check with a bad --valid-for exits 2`, usage.status === 2, `exit ${usage.status}`)
    } finally {
      const stopped = await serve.stop()
      check(`${label}: serve stops on Ctrl-C with exit 0`, stopped.code === 0, JSON.stringify(stopped))
    }

    // The code cache: the loader's test (the Node line), then what V8 itself says of the cache on this Node.
    const probe = run(execPath, [
      "-e",
      `const fs = require("fs"), vm = require("vm")
      const dir = ${JSON.stringify(join(installed, "dist"))}
      const source = fs.readFileSync(dir + "/get.js", "utf8")
      const cache = fs.readFileSync(dir + "/get.js.cache")
      const build = source.slice(0, source.indexOf("\\n") + 1)
      const text = cache.toString("latin1")
      const line = text.slice(build.length, text.indexOf("\\n", build.length) + 1)
      const data = cache.subarray(build.length + line.length)
      const script = new vm.Script(source, { filename: dir + "/get.js", cachedData: data })
      console.log(JSON.stringify({ line: line.trim(), rejected: script.cachedDataRejected }))`
    ])
    const seen = JSON.parse(probe.stdout)
    const fits =
      cacheNode === `node ${version} v8 ${run(execPath, ["-p", "process.versions.v8"]).stdout.trim()} ${process.arch}`
    if (runtime.builder) {
      check(`${label}: the code cache was made here, and V8 takes it`, fits && seen.rejected === false, probe.stdout)
    } else {
      check(
        `${label}: the code cache names another Node (${cacheNode}), so the loader skips it (V8 would ${
          seen.rejected ? "reject" : "accept"
        } it)`,
        !fits,
        probe.stdout + probe.stderr
      )
    }
  })
}

rmSync(work, { recursive: true, force: true })
console.log(`cli: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
