#!/usr/bin/env node
/**
 * The `deepset-tokens` executable. A plain `get` command line runs without `@effect/cli` and the simulator
 * ever being loaded; every other one goes to the full parser. `build.mjs` bundles the two into separate
 * scripts, each with V8's code cache, so that a command loads, and compiles, only what it runs.
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { load } from "./CodeCache.js"
import { parseFast } from "./GetArgs.js"
import type * as GetMain from "./GetMain.js"
import type * as Main from "./Main.js"

const fast = parseFast(process.argv.slice(2))

try {
  // build.mjs bundles this file as CommonJS into dist/, next to get.js (GetMain.ts bundled) and cli.js (Main.ts).
  if (fast === undefined) (load(join(__dirname, "cli.js")) as typeof Main).main()
  else (load(join(__dirname, "get.js")) as typeof GetMain).main(fast)
} catch (error) {
  // Only a broken install gets here (a file of the bundle missing): say so in one line.
  process.exitCode = 1
  console.error(`error: internal failure: ${error instanceof Error ? error.message : String(error)}`)
  console.error("hint:  Rebuild the CLI: node packages/cli/build.mjs.")
}
