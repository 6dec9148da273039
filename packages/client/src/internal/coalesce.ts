import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

interface InFlight<A, E> {
  readonly deferred: Deferred.Deferred<A, E>
  waiters: number
  fiber: Fiber.RuntimeFiber<void> | undefined
}

/**
 * Shares one run per key among concurrent callers. The run happens in its own fiber, so interrupting one
 * caller leaves the others waiting; when the last caller leaves, the run is interrupted (its request
 * aborted).
 *
 * @internal
 */
export const makeCoalescer = <A, E>() => {
  const inflight = new Map<string, InFlight<A, E>>()

  const leave = (key: string, entry: InFlight<A, E>) =>
    Effect.suspend(() => {
      entry.waiters--
      if (entry.waiters > 0 || inflight.get(key) !== entry) return Effect.void
      inflight.delete(key)
      return entry.fiber === undefined ? Effect.void : Fiber.interrupt(entry.fiber)
    })

  return (key: string, run: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const existing = inflight.get(key)
        if (existing !== undefined) {
          existing.waiters++
          return restore(Deferred.await(existing.deferred)).pipe(Effect.onInterrupt(() => leave(key, existing)))
        }
        const entry: InFlight<A, E> = {
          deferred: Deferred.unsafeMake<A, E>(FiberId.none),
          waiters: 1,
          fiber: undefined
        }
        inflight.set(key, entry)
        const settle = Effect.exit(run).pipe(
          Effect.flatMap((exit) =>
            Effect.suspend(() => {
              if (inflight.get(key) === entry) inflight.delete(key)
              return Deferred.done(entry.deferred, exit)
            })
          )
        )
        // The run must stay interruptible although it is forked inside the mask: the last caller to leave
        // interrupts it, and an uninterruptible run would make that caller wait for the whole request.
        return Effect.forkDaemon(Effect.interruptible(Effect.asVoid(settle))).pipe(
          Effect.flatMap((fiber) => {
            entry.fiber = fiber
            return restore(Deferred.await(entry.deferred)).pipe(Effect.onInterrupt(() => leave(key, entry)))
          })
        )
      })
    )
}
