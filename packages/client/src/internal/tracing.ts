import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"

const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Runs `effect` in an `ApiTokens.retrieve` span, where a span can be seen. Effect's built-in tracer keeps its
 * spans nowhere, so under it (and with tracing off) the span and its bookkeeping are skipped: a hot path
 * pays for tracing only when a tracer (OpenTelemetry, a test recorder) is installed.
 *
 * `attributes` is a thunk for the same reason: the record is built only when a span is.
 *
 * @internal
 */
export const withRetrieveSpan = <A, E>(effect: Effect.Effect<A, E>, attributes: () => Record<string, unknown>) =>
  Effect.withFiberRuntime<A, E>((fiber) =>
    fiber.currentTracer === nativeTracer || !fiber.getFiberRef(FiberRef.currentTracerEnabled)
      ? effect
      : Effect.withSpan(effect, "ApiTokens.retrieve", { attributes: attributes(), captureStackTrace: false })
  )
