import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"

const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Whether a span made in `fiber` can be seen. Effect's built-in tracer keeps its spans nowhere, so under it
 * (and with tracing off) the span and its bookkeeping are skipped: a hot path pays for tracing only when a
 * tracer (OpenTelemetry, a test recorder) is installed.
 *
 * @internal
 */
export const isTraced = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.currentTracer !== nativeTracer && fiber.getFiberRef(FiberRef.currentTracerEnabled)

/**
 * Runs `effect` in an `ApiTokens.retrieve` span, unconditionally: for a caller that already asked `isTraced`.
 *
 * @internal
 */
export const inRetrieveSpan = <A, E>(effect: Effect.Effect<A, E>, attributes: Record<string, unknown>) =>
  Effect.withSpan(effect, "ApiTokens.retrieve", { attributes, captureStackTrace: false })

/**
 * Runs `effect` in an `ApiTokens.retrieve` span where a span can be seen (see `isTraced`).
 *
 * `attributes` is a thunk for the same reason: the record is built only when a span is.
 *
 * @internal
 */
export const withRetrieveSpan = <A, E>(effect: Effect.Effect<A, E>, attributes: () => Record<string, unknown>) =>
  Effect.withFiberRuntime<A, E>((fiber) => isTraced(fiber) ? inRetrieveSpan(effect, attributes()) : effect)
