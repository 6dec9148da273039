/**
 * How the CLI runs as a process: the exit code, defects, the log format, and Ctrl-C.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { ExitCode, type ExitCodeRef } from "./Failure.js"

// The simulator logs one line per request; on a terminal the message alone reads best, on stderr so that
// stdout stays the command's output.
const logger = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(
    Logger.make(({ message }) => `  [simulator] ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  )
)

/**
 * The program as the process runs it: a defect prints one line and exits 1, and whatever happens the exit
 * code in `exit` becomes the process's. Nothing is left open once it ends, so the process exits then.
 *
 * @category running
 * @since 0.1.0
 */
export const toProcess = <R>(
  program: Effect.Effect<void, never, R>,
  exit: ExitCodeRef
): Effect.Effect<void, never, R> =>
  program.pipe(
    Effect.catchAllDefect((defect) =>
      Effect.suspend(() => {
        exit.code = ExitCode.internal
        return Console.error(`error: internal failure: ${defect instanceof Error ? defect.message : String(defect)}`)
      })
    ),
    Effect.ensuring(Effect.sync(() => {
      process.exitCode = exit.code
    })),
    Effect.provide(logger)
  )

/**
 * Runs the program as the process's main fiber: Ctrl-C interrupts it.
 *
 * @category running
 * @since 0.1.0
 */
export const runMain = (program: Effect.Effect<void>, exit: ExitCodeRef): void =>
  NodeRuntime.runMain(toProcess(program, exit), { disableErrorReporting: true, disablePrettyLogger: true })
