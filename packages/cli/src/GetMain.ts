/**
 * `get` as the process runs it when its command line is plain (see `GetArgs.parseFast`): no `@effect/cli`,
 * no simulator, and requests on `node:http`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { ExitCode, type ExitCodeRef } from "./Failure.js"
import * as Get from "./Get.js"
import type { GetArgs } from "./GetArgs.js"
import * as NodeHttp from "./NodeHttp.js"
import { runMain, toProcess } from "./Program.js"

/**
 * Runs `get` as the process's main program.
 *
 * @category running
 * @since 0.1.0
 */
export const main = (args: GetArgs): void => {
  const exit: ExitCodeRef = { code: ExitCode.ok }
  runMain(Get.run(args, exit, NodeHttp.layer), exit)
}

/**
 * Runs `get` as `main` does (the same output, and the exit code set on the process), and resolves to its
 * exit code. `build.mjs` runs it to fill V8's code cache.
 *
 * @category running
 * @since 0.1.0
 */
export const run = (args: GetArgs): Promise<number> => {
  const exit: ExitCodeRef = { code: ExitCode.ok }
  return Effect.runPromise(toProcess(Get.run(args, exit, NodeHttp.layer), exit)).then(() => exit.code)
}
