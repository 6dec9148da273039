import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const src = new URL("../src/", import.meta.url)
const read = (file: string) => readFileSync(new URL(file, src), "utf8")
const importsOf = (file: string) => [...read(file).matchAll(/^import .* from "([^"]+)"/gm)].map((m) => m[1]!)

/** The modules the main entry loads, following its relative imports. */
const mainEntry = (): ReadonlySet<string> => {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of [...read(file).matchAll(/^export \* from "\.\/([^"]+)\.js"/gm)].map((m) => `./${m[1]}`)) {
      visit(`${spec.slice(2)}.ts`)
    }
    for (const spec of importsOf(file).filter((s) => s.startsWith("./"))) visit(`${spec.slice(2, -3)}.ts`)
  }
  visit("index.ts")
  return seen
}

describe("the wire package", () => {
  it("depends on nothing at run time, Effect least of all", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.peerDependencies ?? {}).toEqual({})
    for (const file of readdirSync(src)) {
      for (const spec of importsOf(file)) expect(spec, `${file} imports ${spec}`).toMatch(/^(\.\/|node:)/)
    }
  })

  it("keeps its main entry runtime-neutral: no node: modules, no Buffer or process", () => {
    const modules = mainEntry()
    expect(modules.has("FetchGet.ts")).toBe(true)
    // UndiciGet loads anywhere (it only calls methods on what a dispatcher hands it) and FetchGet uses its
    // handler on Node's own fetch; the socket script server needs node:http.
    expect(modules.has("SocketScript.ts")).toBe(false)
    for (const file of modules) {
      for (const spec of importsOf(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:/)
      expect(read(file), file).not.toMatch(/\b(Buffer|process)\./)
    }
  })
})
