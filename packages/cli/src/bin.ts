#!/usr/bin/env node
/**
 * The `deepset-tokens` executable.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { command, type ExitCodeRef } from "./Cli.js"
import { ExitCode } from "./Failure.js"
import { version } from "./version.js"

const exit: ExitCodeRef = { code: ExitCode.ok }

// The simulator logs one line per request; on a terminal the message alone reads best, on stderr so that
// stdout stays the command's output.
const logger = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(
    Logger.make(({ message }) => `  [simulator] ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  )
)

const run = Command.run(command(exit, FetchHttpClient.layer), { name: "deepset-tokens", version })

const program = run(process.argv).pipe(
  Effect.catchAll((error) =>
    Effect.suspend(() => {
      exit.code = ExitCode.usage
      // @effect/cli has already printed help for these; anything else gets one line.
      return ValidationError.isValidationError(error) ? Effect.void : Console.error(`error: ${String(error)}`)
    })
  ),
  Effect.catchAllDefect((defect) =>
    Effect.suspend(() => {
      exit.code = ExitCode.internal
      return Console.error(`error: internal failure: ${defect instanceof Error ? defect.message : String(defect)}`)
    })
  ),
  Effect.ensuring(Effect.sync(() => {
    process.exitCode = exit.code
  })),
  Effect.provide(Layer.merge(NodeContext.layer, logger))
)

NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
