// Bundles the CLI with esbuild: workspace packages export TypeScript sources, and bundled files start faster
// than resolving hundreds of modules. A fresh process pays to compile and run what it loads, so:
//   dist/deepset-tokens.js  the entry (2 kB): reads the command line and loads one of the two scripts below
//   dist/get.js             `get` with a plain command line: effect, the client and a node:http client; no
//                           @effect/cli, no simulator
//   dist/cli.js             everything else, through @effect/cli. The simulator that `serve` and `demo` use
//                           (with fast-check and ws) is in it but runs only when they import it
//   dist/*.js.cache         V8's code cache for each script (train-cache.mjs): a fresh process skips most
//                           parsing and compiling. Node checks it against its own version and flags, and
//                           compiles from source when it does not fit (another Node) or is missing.
// dist/package.json makes these .js files CommonJS: Node starts a CommonJS entry faster than an ES module,
// and vm.Script, which takes a code cache, runs scripts.
import { build } from "esbuild"
import { execFile } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const here = fileURLToPath(new URL(".", import.meta.url))
const dist = `${here}dist`

rmSync(dist, { recursive: true, force: true })
mkdirSync(dist)
writeFileSync(`${dist}/package.json`, `${JSON.stringify({ type: "commonjs" })}\n`)

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
const script = (entry, out) =>
  build({
    ...common,
    entryPoints: [`${here}src/${entry}`],
    outfile: `${dist}/${out}`,
    banner: { js: "(function (exports, require, module) {" },
    footer: { js: "})" },
    supported: { "dynamic-import": false }
  })

await Promise.all([
  build({ ...common, entryPoints: [`${here}src/bin.ts`], outfile: `${dist}/deepset-tokens.js` }),
  script("GetMain.ts", "get.js"),
  script("Main.ts", "cli.js")
])

await Promise.all(["get", "cli"].map(async (kind) => {
  const out = `${kind}.js`
  try {
    await promisify(execFile)(process.execPath, [`${here}train-cache.mjs`, `${dist}/${out}`, kind])
  } catch (error) {
    // The CLI works the same without a cache, only slower to start.
    rmSync(`${dist}/${out}.cache`, { force: true })
    console.warn(`build.mjs: no code cache for dist/${out}: ${error.stderr?.trim() || error.message}`)
  }
}))
