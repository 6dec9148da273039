// The runtime smoke suite: our packages as users get them (built, packed, installed with plain npm into a project
// outside the workspace), run on every runtime users run, against the simulator and the fault server.
//
//   node test/runtimes/run.mjs                 every runtime
//   node test/runtimes/run.mjs node24 deno     only these
//
// Runtimes come from the npm registry as ordinary packages, so this works on a fresh machine with Node and npm.
import { build } from "esbuild"
import { execFileSync, spawnSync } from "node:child_process"
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const here = fileURLToPath(new URL(".", import.meta.url))

/** Each runtime, the command that starts a script on it, and the transports it runs. */
const runtimes = [
  { label: "node20", command: [process.execPath], transports: ["fetch", "undici"] },
  { label: "node22", command: ["npx", "-y", "node@22"], transports: ["fetch", "undici"] },
  { label: "node24", command: ["npx", "-y", "node@24"], transports: ["fetch", "undici"] },
  { label: "bun", command: ["npx", "-y", "bun@1.4.4"], transports: ["fetch"] },
  { label: "deno", command: ["npx", "-y", "deno@2.9.6", "run", "-A"], transports: ["fetch"] },
  // workerd through miniflare, which itself needs Node 22 or later; the worker is bundled as a user would.
  { label: "workerd", command: ["npx", "-y", "node@22"], agent: "agent-workerd.mjs", transports: ["fetch"] },
  // Debian's Chromium (apt-get install chromium), driven by playwright-core; web security on.
  { label: "chromium", command: [process.execPath], agent: "agent-browser.mjs", transports: ["fetch"] }
]
/** What an agent needs beyond our packages, installed only when its runtime runs. */
const agentPackages = { workerd: "miniflare@4.20260730.0", chromium: "playwright-core@1.64.1" }
const wanted = process.argv.slice(2)
for (const name of wanted) {
  if (!runtimes.some((r) => r.label === name)) throw new Error(`unknown runtime ${name}`)
}
const selected = runtimes.filter((r) => wanted.length === 0 || wanted.includes(r.label))

/**
 * The browser is Debian's `chromium`: browser builds that download themselves cannot be had here. As root (CI, a
 * fresh machine) it is installed when missing; otherwise the run fails and says how to get it, never skips.
 */
const ensureChromium = () => {
  const path = process.env.CHROMIUM ?? "/usr/bin/chromium"
  if (existsSync(path)) return
  if (process.getuid?.() !== 0) {
    throw new Error(`${path} is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM`)
  }
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" })
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  })
}
const step = (title) => process.stdout.write(`\n== ${title}\n`)
/** The version the workspace resolved, so the throwaway project tests what the workspace tests. */
const versionOf = (name) => {
  const file = [join(root, "node_modules", name), join(root, "packages/client/node_modules", name)]
    .map((dir) => join(dir, "package.json"))
    .find((candidate) => existsSync(candidate))
  if (file === undefined) throw new Error(`${name} is not installed in the workspace: run pnpm install`)
  return JSON.parse(readFileSync(file, "utf8")).version
}

step("build and pack every package (pnpm pack-all)")
execFileSync(process.execPath, [join(root, "scripts/pack-all.mjs")], { cwd: root, stdio: "inherit" })
const project = mkdtempSync(join(tmpdir(), "deepset-tokens-runtimes-"))
const packs = join(project, "packs")
mkdirSync(packs)
// The libraries an app installs; the CLI is checked on its own.
for (const file of readdirSync(join(root, "dist-packages"))) {
  if (/^deepset-tokens-(wire|domain|client|testing)-/.test(file)) {
    copyFileSync(join(root, "dist-packages", file), join(packs, file))
  }
}

step(`install the tarballs with plain npm into ${project}`)
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "runtimes-smoke", private: true, type: "module" }))
// The peers at the versions the workspace tests with, pinned: the registry's `latest` is Effect 4.
const peers = ["effect", "@effect/platform", "@effect/platform-node", "@types/node"].map((name) =>
  `${name}@${versionOf(name)}`
)
execFileSync(
  "npm",
  [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    ...readdirSync(packs).map((f) => join(packs, f)),
    ...peers,
    ...selected.flatMap((r) => agentPackages[r.label] ?? [])
  ],
  { cwd: project, stdio: "inherit" }
)
const agentFiles = [
  "host.mjs",
  "runner.mjs",
  "agent.mjs",
  "agent-workerd.mjs",
  "worker.mjs",
  "agent-browser.mjs",
  "browser-entry.mjs",
  "consumer.ts",
  "consumer.cjs"
]
for (const file of agentFiles) {
  copyFileSync(join(here, file), join(project, file))
}
if (selected.some((r) => r.label === "workerd")) {
  step("bundle the worker from the installed packages")
  await build({
    absWorkingDir: project,
    entryPoints: [join(project, "worker.mjs")],
    outfile: join(project, "worker.bundle.mjs"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    logLevel: "warning"
  })
}
if (selected.some((r) => r.label === "chromium")) {
  step("Chromium from Debian's packages")
  ensureChromium()
  step("bundle the page from the installed packages")
  await build({
    absWorkingDir: project,
    entryPoints: [join(project, "browser-entry.mjs")],
    outfile: join(project, "browser.bundle.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    logLevel: "warning"
  })
}

const results = []
const record = (runtime, transport, started, ok) =>
  results.push({ runtime, transport, ok, seconds: (Date.now() - started) / 1000 })

step("a strict TypeScript consumer type-checks (module nodenext, skipLibCheck false)")
{
  const started = Date.now()
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
        types: ["node"]
      },
      files: ["consumer.ts"]
    })
  )
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", project], {
    cwd: project,
    stdio: "inherit"
  })
  record("tsc (nodenext)", "-", started, tsc.status === 0)
}
for (const runtime of selected) {
  for (const transport of runtime.transports) {
    step(`${runtime.label} on ${transport}`)
    const started = Date.now()
    const agent = [...runtime.command, runtime.agent ?? "agent.mjs"]
    const run = spawnSync(process.execPath, ["host.mjs", runtime.label, transport, "--", ...agent], {
      cwd: project,
      stdio: "inherit",
      timeout: 300_000
    })
    record(runtime.label, transport, started, run.status === 0)
  }
}

for (const runtime of selected.filter((r) => r.label !== "node20" && r.label.startsWith("node"))) {
  step(`${runtime.label}: a CommonJS consumer requires the ESM packages`)
  const started = Date.now()
  const run = spawnSync(runtime.command[0], [...runtime.command.slice(1), "consumer.cjs"], {
    cwd: project,
    stdio: "inherit",
    timeout: 120_000
  })
  record(runtime.label, "require(esm)", started, run.status === 0)
}

step("summary")
process.stdout.write("| runtime | transport | result | seconds |\n|---|---|---|---|\n")
for (const r of results) {
  process.stdout.write(`| ${r.runtime} | ${r.transport} | ${r.ok ? "pass" : "FAIL"} | ${r.seconds.toFixed(1)} |\n`)
}
const failures = results.filter((r) => !r.ok).length
process.stdout.write(`runtimes: ${results.length - failures} passed, ${failures} failed\n`)
if (failures === 0) rmSync(project, { recursive: true, force: true })
else process.stdout.write(`kept ${project} for a look\n`)
process.exitCode = failures === 0 ? 0 : 1
