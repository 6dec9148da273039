// Packs every publishable package (scripts/pack-all.mjs) and lints each tarball as the registry would get it:
// publint (files, exports, fields) and arethetypeswrong (types resolve for every entry). Both must report
// nothing. attw runs with the esm-only profile: the packages are ES modules only (Node 20 or later), so
// `require` resolution (node10, node16 from CommonJS) is out of scope, not a problem. The CLI is a command,
// not a library: it has no types to check.
import { execFileSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = (name) => `${root}node_modules/.bin/${name}`
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" })

run(process.execPath, [`${root}scripts/pack-all.mjs`])
for (const file of readdirSync(`${root}dist-packages`).sort()) {
  const tarball = `${root}dist-packages/${file}`
  run(bin("publint"), ["--strict", tarball])
  if (!file.startsWith("deepset-tokens-cli-")) run(bin("attw"), ["--profile", "esm-only", tarball])
}
