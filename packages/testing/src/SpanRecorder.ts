/**
 * A tracer that keeps every span in memory, so tests can assert on names and attributes (and on what must
 * never be there, such as an API key).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/**
 * A finished or running span as recorded.
 *
 * @category models
 * @since 0.1.0
 */
export interface RecordedSpan {
  readonly name: string
  readonly kind: Tracer.SpanKind
  readonly parentName: Option.Option<string>
  readonly attributes: ReadonlyMap<string, unknown>
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }>
  readonly exit: Option.Option<Exit.Exit<unknown, unknown>>
}

class Span implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string
  readonly traceId: string
  readonly sampled = true
  status: Tracer.SpanStatus
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<{ name: string; attributes: Record<string, unknown> }> = []
  links: Array<Tracer.SpanLink>
  exit: Option.Option<Exit.Exit<unknown, unknown>> = Option.none()

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    id: number
  ) {
    this.spanId = `span-${id}`
    this.traceId = Option.match(parent, { onNone: () => `trace-${id}`, onSome: (p) => p.traceId })
    this.status = { _tag: "Started", startTime }
    this.links = [...links]
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
    this.exit = Option.some(exit)
  }

  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }

  event(name: string, _startTime: bigint, attributes: Record<string, unknown> = {}): void {
    this.events.push({ name, attributes })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** Every span started so far, in start order. */
  readonly spans: Effect.Effect<ReadonlyArray<RecordedSpan>>
}

/**
 * @category tags
 * @since 0.1.0
 */
export class SpanRecorder extends Context.Tag("@deepset-tokens/testing/SpanRecorder")<SpanRecorder, Service>() {}

/**
 * Installs a recording tracer and provides {@link SpanRecorder} to read what it saw. Each build starts empty.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<SpanRecorder> = Layer.unwrapEffect(Effect.sync(() => {
  const spans: Array<Span> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const span = new Span(name, parent, context, links, startTime, kind, spans.length + 1)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  const service: Service = {
    spans: Effect.sync(() =>
      spans.map((span): RecordedSpan => ({
        name: span.name,
        kind: span.kind,
        parentName: Option.flatMap(span.parent, (p) => (p._tag === "Span" ? Option.some(p.name) : Option.none())),
        attributes: new Map(span.attributes),
        events: span.events.map((e) => ({ ...e })),
        exit: span.exit
      }))
    )
  }
  return Layer.merge(Layer.setTracer(tracer), Layer.succeed(SpanRecorder, service))
}))
