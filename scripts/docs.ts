/**
 * Generates the parts of the docs that are copies of code, so no test run has to write documentation:
 *
 * - the fault matrix in packages/client/RELIABILITY.md, from the case list in
 *   packages/client/test/resilience/cases.ts (what a green run of that suite shows), and the same matrix through
 *   a proxy in packages/client/PROXY.md;
 * - every `<!-- example: FILE -->` block in the Markdown files, from FILE (see packages/client/test/docs).
 *
 * `npx -y pnpm@10.34.9 docs:generate` writes them; `--check` writes nothing and fails when a doc is stale. The tests
 * make the same comparisons (Resilience.test.ts for the matrix, Docs.test.ts for the examples).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { docs, withExamples } from "../packages/client/test/docs/examples.js"
import { cases } from "../packages/client/test/resilience/cases.js"
import { expectedResults, render, withRegion } from "../packages/client/test/resilience/matrix.js"
import {
  expectedProxyResults,
  proxyMarkers,
  renderProxyMatrix
} from "../packages/client/test/resilience/proxyMatrix.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const read = (path: string) => readFileSync(`${root}${path}`, "utf8")

const tables: Record<string, (text: string) => string> = {
  "packages/client/RELIABILITY.md": (text) => withRegion(text, render(cases, expectedResults(cases))),
  "packages/client/PROXY.md": (text) =>
    withRegion(text, renderProxyMatrix(cases, expectedProxyResults(cases)), proxyMarkers)
}

const generate = (path: string, text: string): string => withExamples(tables[path]?.(text) ?? text, read)

const check = process.argv.includes("--check")
const stale: Array<string> = []
for (const path of docs(root, (dir) => readdirSync(dir))) {
  const text = read(path)
  const next = generate(path, text)
  if (next === text) continue
  stale.push(path)
  if (!check) writeFileSync(`${root}${path}`, next)
}
if (check && stale.length > 0) {
  console.error(`Stale generated docs (run \`npx -y pnpm@10.34.9 docs:generate\`): ${stale.join(", ")}`)
  process.exit(1)
}
for (const path of stale) console.log(`wrote ${path}`)
