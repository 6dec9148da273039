/**
 * The full command line, parsed by `@effect/cli`: help, `--version`, `serve`, `demo`, and `get` in any form.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { command } from "./Cli.js"
import { ExitCode, type ExitCodeRef } from "./Failure.js"
import * as NodeHttp from "./NodeHttp.js"
import { runMain, toProcess } from "./Program.js"
import { version } from "./version.js"

const program = (argv: ReadonlyArray<string>, exit: ExitCodeRef) =>
  Command.run(command(exit, NodeHttp.layer), { name: "deepset-tokens", version })(argv).pipe(
    Effect.catchAll((error) =>
      Effect.suspend(() => {
        exit.code = ExitCode.usage
        // @effect/cli has already printed help for these; anything else gets one line.
        return ValidationError.isValidationError(error) ? Effect.void : Console.error(`error: ${String(error)}`)
      })
    ),
    Effect.provide(NodeContext.layer)
  )

/**
 * Parses the process's command line and runs the command as the process's main program.
 *
 * @category running
 * @since 0.1.0
 */
export const main = (): void => {
  const exit: ExitCodeRef = { code: ExitCode.ok }
  runMain(program(process.argv, exit), exit)
}

/**
 * Runs a command line (`argv` as `process.argv`: the node and script paths first) as `main` does, and
 * resolves to its exit code. `build.mjs` runs it to fill V8's code cache.
 *
 * @category running
 * @since 0.1.0
 */
export const run = (argv: ReadonlyArray<string>): Promise<number> => {
  const exit: ExitCodeRef = { code: ExitCode.ok }
  return Effect.runPromise(toProcess(program(argv, exit), exit)).then(() => exit.code)
}
