/**
 * OpenTelemetry for an Effect program: Effect spans become OpenTelemetry spans, and Effect logs become
 * OpenTelemetry log records (and events on the span they happen in).
 *
 * @since 0.1.0
 */
import * as OtelLogger from "@effect/opentelemetry/Logger"
import * as Resource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import type { LogRecordProcessor } from "@opentelemetry/sdk-logs"
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer } from "effect"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly serviceName: string
  /** Where spans go: a `BatchSpanProcessor` on an OTLP exporter in production, a simple one in tests. */
  readonly spanProcessor: SpanProcessor
  readonly logRecordProcessor: LogRecordProcessor
}

// BasicTracerProvider rather than NodeSdk's NodeTracerProvider: the same spans, one dependency fewer, and it
// runs on every runtime. Shut down on release, so spans still buffered are exported.
const tracerProvider = (processor: SpanProcessor) =>
  Layer.scoped(
    OtelTracer.OtelTracerProvider,
    Effect.flatMap(Resource.Resource, (resource) =>
      Effect.acquireRelease(
        Effect.sync(() => new BasicTracerProvider({ resource, spanProcessors: [processor] })),
        (provider) => Effect.promise(() => provider.shutdown().catch(() => undefined))
      ))
  )

/**
 * Installs OpenTelemetry as the tracer and as the logger (replacing the console logger).
 *
 * **Gotchas**
 *
 * `ApiTokens` logs its retries at `Debug`; raise the minimum log level (`Logger.minimumLogLevel`) to see
 * them.
 *
 * @example
 * ```ts
 * import { SimpleLogRecordProcessor, ConsoleLogRecordExporter } from "@opentelemetry/sdk-logs"
 * import { ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
 * import * as Telemetry from "./Telemetry.js"
 *
 * const TelemetryLive = Telemetry.layer({
 *   serviceName: "token-checker",
 *   spanProcessor: new SimpleSpanProcessor(new ConsoleSpanExporter()),
 *   logRecordProcessor: new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })
 * })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<OtelTracer.OtelTracer> =>
  Layer.merge(
    OtelTracer.layer.pipe(Layer.provide(tracerProvider(options.spanProcessor))),
    OtelLogger.layerLoggerReplace.pipe(Layer.provide(OtelLogger.layerLoggerProvider(options.logRecordProcessor)))
  ).pipe(Layer.provide(Resource.layer({ serviceName: options.serviceName })))
