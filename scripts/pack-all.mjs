// Builds and packs every publishable package (each packages/* whose package.json is not private) into
// dist-packages/, so the packages can be installed with plain npm from a checkout until they are published:
//   npm install ./dist-packages/deepset-tokens-client-0.1.0.tgz ./dist-packages/deepset-tokens-domain-0.1.0.tgz
// Each package's `prepack` builds it, and pnpm rewrites `workspace:^` to the real version in the tarball.
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const out = `${root}dist-packages`
rmSync(out, { recursive: true, force: true })
mkdirSync(out)

// Run the same pnpm that runs this script (`pnpm pack-all`); from plain node, the pinned one through npx.
const pnpm = process.env.npm_execpath?.includes("pnpm")
  ? [process.execPath, process.env.npm_execpath]
  : ["npx", "-y", "pnpm@10.34.9"]

for (const dir of readdirSync(`${root}packages`).sort()) {
  const manifest = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, "utf8"))
  if (manifest.private === true) continue
  execFileSync(pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", out], {
    cwd: `${root}packages/${dir}`,
    stdio: ["ignore", "inherit", "inherit"]
  })
}
for (const file of readdirSync(out).sort()) console.log(`dist-packages/${file}`)
