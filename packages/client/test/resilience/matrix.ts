/**
 * Renders the fault matrix as Markdown: one row per fault, the expected outcome and request count, and
 * what each transport gave (✓ when it matched).
 */
import { readFileSync, writeFileSync } from "node:fs"
import type { Case } from "./cases.js"

export const columns = ["fetch", "undici", "platform fetch", "platform undici", "fake"] as const

const expectedText = (c: Case): string => {
  const e = c.expect
  const details = [
    e.status === undefined ? undefined : String(e.status),
    e.scope,
    e.issue === undefined ? undefined : `issue: ${e.issue}`,
    e.retryAfter === undefined
      ? undefined
      : `retryAfter ${e.retryAfter.millis >= 60_000 ? "1 h" : `${e.retryAfter.millis} ms`}`
  ].filter((d) => d !== undefined)
  return `\`${e.tag}\`${details.length === 0 ? "" : ` (${details.join(", ")})`}`
}

const requestsText = (c: Case): string => {
  const waits = c.expect.waits
  if (waits === undefined || waits.length === 0) return String(c.expect.requests)
  return `${c.expect.requests} (waits: ${waits.map((w) => (w === "backoff" ? "backoff" : `${w} ms`)).join(", ")})`
}

export const render = (
  cases: ReadonlyArray<Case>,
  results: ReadonlyMap<string, ReadonlyMap<string, string>>
): string => {
  const lines = [
    `| fault | expected | requests | ${columns.join(" | ")} |`,
    `| --- | --- | --- | ${columns.map(() => "---").join(" | ")} |`
  ]
  for (const c of cases) {
    const row = results.get(c.name)
    const cell = (transport: string) => {
      const got = row?.get(transport)
      return got === undefined ? "n/a" : got === c.expect.tag ? "✓" : `✗ ${got}`
    }
    lines.push(`| ${c.name} | ${expectedText(c)} | ${requestsText(c)} | ${columns.map(cell).join(" | ")} |`)
  }
  return `${lines.join("\n")}\n`
}

const start = "<!-- fault-matrix:start -->"
const end = "<!-- fault-matrix:end -->"

/**
 * Writes the matrix to `file`, and into every document in `into` between its `fault-matrix` markers, so
 * the prose that quotes it never drifts from what the suite last saw.
 */
export const writeMatrix = (
  file: URL,
  cases: ReadonlyArray<Case>,
  results: ReadonlyMap<string, ReadonlyMap<string, string>>,
  into: ReadonlyArray<URL> = []
): void => {
  const table = render(cases, results)
  writeFileSync(file, table)
  for (const doc of into) {
    const text = readFileSync(doc, "utf8")
    const from = text.indexOf(start)
    const to = text.indexOf(end)
    if (from === -1 || to < from) continue
    writeFileSync(doc, `${text.slice(0, from + start.length)}\n${table}${text.slice(to)}`)
  }
}
