/**
 * The docs' code examples are files under test/examples, copied into the Markdown by `pnpm docs:generate`.
 * Here: every copy is verbatim, so docs cannot rot, and the README's usage example runs as written against
 * the simulator over real HTTP (its `FetchTransport` and `ApiTokens.layerConfig()` included). The examples
 * that are tests (`*.test.ts`) run as tests; the rest are type-checked with the test sources.
 */
import { Arbitraries, Simulator } from "@deepset-tokens/testing"
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import { Effect, FastCheck as fc, Redacted } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { docs, examples } from "./docs/examples.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const shown = docs(root, (dir) => readdirSync(dir)).flatMap((doc) =>
  examples(readFileSync(`${root}${doc}`, "utf8")).map((example) => ({ doc, ...example }))
)

describe("the docs' examples", () => {
  it("every example marker is a well-formed block, so none is silently left unfilled", () => {
    for (const doc of docs(root, (dir) => readdirSync(dir))) {
      const text = readFileSync(`${root}${doc}`, "utf8")
      // A marker starts a line; one quoted inside prose (CONTRIBUTING.md explains them) is not a block.
      expect(examples(text).length, doc).toBe(text.split("\n<!-- example: ").length - 1)
    }
  })

  it("are shown, and the README shows the usage example", () => {
    expect(shown.map((e) => e.path)).toContain("packages/client/test/examples/usage.ts")
  })

  it.each(shown)("$doc shows $path verbatim", ({ path, shown }) => {
    expect(existsSync(`${root}${path}`), `${path} does not exist`).toBe(true)
    expect(shown, `${path} changed: run \`npx -y pnpm@10.34.9 docs:generate\``).toBe(
      readFileSync(`${root}${path}`, "utf8")
    )
  })
})

describe("the README's usage example", () => {
  const env = { ...process.env }
  afterEach(() => {
    process.env = env
    vi.restoreAllMocks()
  })

  it.scopedLive("retrieves the token from DEEPSET_API_URL with DEEPSET_API_KEY and logs it", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 0, log: false })
      const token = fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 1, seed: 1 })[0]!
      yield* sim.api.seed({
        ...token,
        api_token_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" as typeof token.api_token_id
      })
      process.env = { ...env, DEEPSET_API_KEY: Redacted.value(sim.apiKey), DEEPSET_API_URL: sim.url }
      // Effect's default logger writes through the global console.
      const lines: Array<string> = []
      vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void lines.push(args.join(" ")))

      yield* Effect.promise(() => import("./examples/usage.js"))

      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`message="${token.name}: expired=(true|false) production=(true|false)"`))
      expect(yield* sim.api.requests).toHaveLength(1)
    }))
})
