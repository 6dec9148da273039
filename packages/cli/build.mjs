// Bundles the CLI with esbuild: workspace packages export TypeScript sources, and bundled files start faster
// than resolving hundreds of modules. A fresh process pays to compile and run what it loads, so:
//   dist/deepset-tokens.js  the entry (2 kB): reads the command line and loads one of the two scripts below
//   dist/get.js             `get` with a plain command line: effect, the client and a node:http client; no
//                           @effect/cli, no simulator
//   dist/cli.js             everything else, through @effect/cli. The simulator that `serve` and `demo` use
//                           (with its HTTP and WebSocket servers) is in it but runs only when they import it
//   dist/*.js.cache         V8's code cache for each script (train-cache.mjs): a fresh process skips most
//                           parsing and compiling. It fits only the Node that built it; any other Node
//                           compiles from source, as it would without the cache
// dist/package.json makes these .js files CommonJS: Node starts a CommonJS entry faster than an ES module,
// and vm.Script, which takes a code cache, runs scripts.
//
// Tests and the benchmarks build while other processes may be running the CLI: everything is built in a
// directory of its own and then renamed into dist/ file by file. A script and a cache from different builds
// never meet: each script's first line names its build, and src/CodeCache.ts uses a cache only from the same.
import { build } from "esbuild"
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const here = fileURLToPath(new URL(".", import.meta.url))
const dist = `${here}dist`
const out = `${dist}/.build-${process.pid}`
const id = randomUUID()

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
writeFileSync(`${out}/package.json`, `${JSON.stringify({ type: "commonjs" })}\n`)

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning"
}

// A script is one function expression for vm.Script (src/CodeCache.ts). Its dynamic imports (the
// simulator, node:https) become requires that run when reached: vm.Script has no module loader.
const script = (entry, file) =>
  build({
    ...common,
    entryPoints: [`${here}src/${entry}`],
    outfile: `${out}/${file}`,
    banner: { js: `/* deepset-tokens build ${id} */\n(function (exports, require, module) {` },
    footer: { js: "})" },
    supported: { "dynamic-import": false }
  })

await Promise.all([
  build({ ...common, entryPoints: [`${here}src/bin.ts`], outfile: `${out}/deepset-tokens.js` }),
  script("GetMain.ts", "get.js"),
  script("Main.ts", "cli.js")
])

await Promise.all(["get", "cli"].map(async (kind) => {
  try {
    await promisify(execFile)(process.execPath, [`${here}train-cache.mjs`, `${out}/${kind}.js`, kind])
  } catch (error) {
    // The CLI works the same without a cache, only slower to start.
    rmSync(`${out}/${kind}.js.cache`, { force: true })
    console.warn(`build.mjs: no code cache for dist/${kind}.js: ${error.stderr?.trim() || error.message}`)
  }
}))

// Into place; then away with what this build did not make (other builds' directories stay).
const made = new Set(readdirSync(out))
for (const file of made) renameSync(`${out}/${file}`, `${dist}/${file}`)
rmSync(out, { recursive: true, force: true })
for (const file of readdirSync(dist)) {
  if (!made.has(file) && !file.startsWith(".build-")) rmSync(`${dist}/${file}`, { recursive: true, force: true })
}
