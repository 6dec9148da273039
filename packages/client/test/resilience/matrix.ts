/**
 * Renders the fault matrix as Markdown: one row per fault, the expected outcome and request count, and
 * what each transport gave (✓ when it matched). Nothing here writes a file: `scripts/docs.ts` writes the
 * table into `packages/client/RELIABILITY.md`, and the suite only compares.
 */
import type { Case } from "./cases.js"

export const columns = [
  "fetch",
  "undici",
  "fetch, one step",
  "undici, one step",
  "fetch, shared step",
  "undici, shared step",
  "derived fetch",
  "derived undici",
  "platform fetch",
  "platform undici",
  "fake"
] as const

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

/**
 * What a green run of the suite gives: on every transport a case applies to (the fake only where the case has
 * an in-memory script), the expected outcome. `pnpm docs:generate` renders this, so the checked-in table is the
 * suite's claim, and the suite's last test checks that claim against what it actually saw.
 */
export const expectedResults = (cases: ReadonlyArray<Case>): ReadonlyMap<string, ReadonlyMap<string, string>> =>
  new Map(cases.map((c) => [
    c.name,
    new Map(columns.filter((t) => t !== "fake" || c.fake !== undefined).map((t) => [t, c.expect.tag]))
  ]))

/** Where the table sits in `packages/client/RELIABILITY.md`. */
export const markers = { start: "<!-- fault-matrix:start -->", end: "<!-- fault-matrix:end -->" } as const

/** The table between the markers of `doc`, or `undefined` when `doc` has no such region. */
export const region = (
  doc: string,
  at: { readonly start: string; readonly end: string } = markers
): string | undefined => {
  const from = doc.indexOf(at.start)
  const to = doc.indexOf(at.end)
  return from === -1 || to < from ? undefined : doc.slice(from + at.start.length + 1, to)
}

/** `doc` with `table` between its markers. */
export const withRegion = (
  doc: string,
  table: string,
  at: { readonly start: string; readonly end: string } = markers
): string => {
  const from = doc.indexOf(at.start)
  const to = doc.indexOf(at.end)
  if (from === -1 || to < from) throw new Error(`no ${at.start} ... ${at.end} region`)
  return `${doc.slice(0, from + at.start.length)}\n${table}${doc.slice(to)}`
}
