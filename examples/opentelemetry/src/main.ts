/**
 * `node main.ts <token-id>`: checks one token and prints its spans and log records to the console. Needs
 * `DEEPSET_API_KEY`; `DEEPSET_API_URL` points it at the simulator (`deepset-tokens serve`) instead.
 *
 * @since 0.1.0
 */
import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ConsoleLogRecordExporter, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs"
import { ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { checkToken } from "./CheckToken.js"
import * as Telemetry from "./Telemetry.js"

const TelemetryLive = Telemetry.layer({
  serviceName: "token-checker",
  spanProcessor: new SimpleSpanProcessor(new ConsoleSpanExporter()),
  logRecordProcessor: new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })
})

checkToken(process.argv[2] ?? "").pipe(
  Effect.tap((status) => Effect.log(`${status.name}: ${status.expired ? "expired" : "valid"}`)),
  Logger.withMinimumLogLevel(LogLevel.Debug),
  Effect.provide(Layer.merge(ApiTokens.layerConfig().pipe(Layer.provide(FetchTransport.layer)), TelemetryLive)),
  NodeRuntime.runMain
)
