/**
 * The fault matrix through a proxy, as Markdown: every socket case of the resilience matrix, plus the proxy's own
 * faults, on both transports. Nothing here writes a file: `scripts/docs.ts` writes the table into
 * `packages/client/PROXY.md`, and `ProxyMatrix.test.ts` only compares it with what it saw.
 */
import type { Case } from "./cases.js"

/** A way the proxy itself fails. */
export type ProxyFault = "407" | "reset" | "stall" | "refused"

/** The proxy's own faults: name, fault, the outcome each must give, and the requests (attempts) it takes. */
export const proxyFaults: ReadonlyArray<readonly [string, ProxyFault, string, number]> = [
  ["the proxy refuses the credentials (407)", "407", "TransportError", 3],
  ["the proxy resets the connection", "reset", "TransportError", 3],
  ["the proxy stalls (attempt timeout 300 ms)", "stall", "Timeout", 3],
  ["nothing listens at the proxy's address", "refused", "TransportError", 3]
]

export const proxyTransports = ["fetch", "undici"] as const

/** Where the table sits in `packages/client/PROXY.md`. */
export const proxyMarkers = { start: "<!-- proxy-matrix:start -->", end: "<!-- proxy-matrix:end -->" } as const

const rowsOf = (cases: ReadonlyArray<Case>) => [
  ...cases.map((c) => [c.name, c.expect.tag, c.expect.requests] as const),
  ...proxyFaults.map(([name, , tag, requests]) => [name, tag, requests] as const)
]

export const renderProxyMatrix = (
  cases: ReadonlyArray<Case>,
  results: ReadonlyMap<string, ReadonlyMap<string, string>>
): string => {
  const lines = [
    "| fault | expected | requests | fetch through a proxy | undici through a proxy |",
    "| --- | --- | --- | --- | --- |",
    ...rowsOf(cases).map(([name, tag, requests]) => {
      const cell = (t: string) => {
        const got = results.get(name)?.get(t)
        return got === undefined ? "n/a" : got === tag ? "✓" : `✗ ${got}`
      }
      return `| ${name} | \`${tag}\` | ${requests} | ${proxyTransports.map(cell).join(" | ")} |`
    })
  ]
  return `${lines.join("\n")}\n`
}

/** What a green run gives: every row's expected outcome on both transports. `pnpm docs:generate` renders it. */
export const expectedProxyResults = (
  cases: ReadonlyArray<Case>
): ReadonlyMap<string, ReadonlyMap<string, string>> =>
  new Map(rowsOf(cases).map(([name, tag]) => [name, new Map(proxyTransports.map((t) => [t, tag]))]))
