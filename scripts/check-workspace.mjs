// Checks that every package in packages/ follows the workspace's conventions, so a package added later (or
// merged from another branch) cannot miss one unseen:
// - a README.md and a LICENSE;
// - tsconfig.json referencing tsconfig.src.json (and tsconfig.test.json when there is a test/ directory),
//   and a reference from the root tsconfig.json;
// - when publishable (not private): a tsconfig.build.json with stripInternal and no declaration maps,
//   referenced from the root tsconfig.build.json; a CHANGELOG.md; and in package.json `files`, a `prepack`
//   script, `repository`, `keywords`, `engines.node`, and `exports` that block ./internal/* (a CLI with only
//   `bin` has no exports).
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const json = (path) => JSON.parse(readFileSync(`${root}${path}`, "utf8"))
const refs = (path) => new Set(json(path).references.map((r) => r.path.replace(/\/tsconfig(\.build)?\.json$/, "")))
const problems = []
const rootRefs = refs("tsconfig.json")
const buildRefs = refs("tsconfig.build.json")

for (const name of readdirSync(`${root}packages`).sort()) {
  const dir = `packages/${name}`
  if (!existsSync(`${root}${dir}/package.json`)) continue
  const need = (cond, what) => cond || problems.push(`${dir}: ${what}`)
  const manifest = json(`${dir}/package.json`)
  need(existsSync(`${root}${dir}/README.md`), "no README.md")
  need(existsSync(`${root}${dir}/LICENSE`), "no LICENSE")
  const own = existsSync(`${root}${dir}/tsconfig.json`) ? refs(`${dir}/tsconfig.json`) : new Set()
  need(own.has("tsconfig.src.json") || own.has("tsconfig.src"), "tsconfig.json does not reference tsconfig.src.json")
  if (existsSync(`${root}${dir}/test`)) {
    need(
      own.has("tsconfig.test.json") || own.has("tsconfig.test"),
      "tsconfig.json does not reference tsconfig.test.json"
    )
  }
  need(rootRefs.has(dir), "not referenced from the root tsconfig.json")
  if (manifest.private === true) continue
  const build = existsSync(`${root}${dir}/tsconfig.build.json`) ? json(`${dir}/tsconfig.build.json`) : undefined
  need(build?.compilerOptions?.stripInternal === true, "tsconfig.build.json does not set stripInternal")
  need(build?.compilerOptions?.declarationMap === false, "tsconfig.build.json emits declaration maps")
  need(buildRefs.has(dir), "not referenced from the root tsconfig.build.json")
  need(existsSync(`${root}${dir}/CHANGELOG.md`), "no CHANGELOG.md")
  need(Array.isArray(manifest.files), "package.json has no `files`")
  need(typeof manifest.scripts?.prepack === "string", "package.json has no `prepack` script")
  need(manifest.repository?.directory === dir, "package.json's `repository.directory` is not its folder")
  need(Array.isArray(manifest.keywords), "package.json has no `keywords`")
  need(typeof manifest.engines?.node === "string", "package.json has no `engines.node`")
  if (manifest.bin === undefined || manifest.exports !== undefined) {
    need(manifest.exports?.["./internal/*"] === null, "`exports` does not block ./internal/*")
    need(
      manifest.publishConfig?.exports?.["./internal/*"] === null,
      "`publishConfig.exports` does not block ./internal/*"
    )
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(p)
  process.exit(1)
}
console.log("workspace: every package follows the conventions")
