// Fills V8's code cache for one bundled script of the CLI: `node train-cache.mjs dist/get.js get` (or
// `dist/cli.js cli`). build.mjs runs it in a child process per script, since each bundles its own effect.
//
// It loads the script exactly as the entry does (one vm.Script over the same source, see src/CodeCache.ts),
// runs the commands a user runs most, then saves the bytecode of every function compiled on the way to
// <script>.cache, after the script's first line (its build) and a line naming this Node. `get` runs against a loopback server that
// answers with a fixed token. The cache holds compiled code only, nothing of any answer, and the CLI works
// the same without it.
import { readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { resolve } from "node:path"
import { Script } from "node:vm"

const file = resolve(process.argv[2])
const kind = process.argv[3]
if (kind !== "get" && kind !== "cli") throw new Error("usage: node train-cache.mjs <script> get|cli")
const source = readFileSync(file, "utf8")
const script = new Script(source, { filename: file })
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(file), module)
const bundle = module.exports

const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
const unknown = "00000000-0000-4000-8000-000000000000"
const token = JSON.stringify({
  all_workspaces: false,
  api_token_id: id,
  expires: true,
  expires_at: "2030-01-01T00:00:00.000Z",
  masked_token: "abcd****wxyz",
  name: "code-cache",
  organization_role: "MEMBER",
  personal: false,
  role: "MEMBER",
  user: { given_name: "Build", family_name: "Step" },
  workspaces: [{ name: "default" }]
})

const server = createServer((request, response) => {
  const found = request.url === `/api/v1/token/${id}`
  const body = found ? token : JSON.stringify({ detail: "Not Found" })
  response.writeHead(found ? 200 : 404, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body)
  })
  response.end(body)
})
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const baseUrl = `http://127.0.0.1:${server.address().port}`
process.env.DEEPSET_API_KEY = "api_code_cache_training_key"
delete process.env.DEEPSET_API_URL

// Each run, and the exit code it must end with.
const runs = kind === "get"
  ? [
    [{ id, json: false, baseUrl, region: undefined, timeout: 10_000, retries: 0 }, 0],
    [{ id, json: true, baseUrl, region: undefined, timeout: 10_000, retries: 0 }, 0],
    [{ id: unknown, json: false, baseUrl, region: undefined, timeout: 10_000, retries: 0 }, 7],
    [{ id: "x", json: false, baseUrl, region: undefined, timeout: 10_000, retries: 0 }, 3]
  ]
  : [
    [["--version"], 0],
    [["--help"], 0],
    [["get", "--help"], 0],
    [["get"], 2],
    [["get", id, `--base-url=${baseUrl}`], 0],
    // `check` in a cron job starts fresh each time too; one id passes, the unknown one fails (exit 20).
    [["check", id, unknown, "--valid-for", "1d", `--base-url=${baseUrl}`], 20]
  ].map(([argv, code]) => [[process.execPath, "deepset-tokens", ...argv], code])

for (const [args, expected] of runs) {
  const code = await bundle.run(args)
  if (code !== expected) throw new Error(`${JSON.stringify(args)} exited ${code}, expected ${expected}`)
}
server.close()
const build = source.slice(0, source.indexOf("\n") + 1)
// The Node that made the cache, as src/CodeCache.ts's runtimeLine() names it: another Node leaves it unused.
const runtime = `node ${process.version} v8 ${process.versions.v8} ${process.arch}\n`
writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(build + runtime, "latin1"), script.createCachedData()]))
// Each run set the exit code of the command it ran.
process.exitCode = 0
