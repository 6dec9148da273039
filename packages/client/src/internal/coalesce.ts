import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

interface InFlight<A, E> {
  readonly fiber: Fiber.RuntimeFiber<A, E>
  waiters: number
}

/**
 * Shares one run per key among concurrent callers. The run happens in its own daemon fiber, so interrupting
 * one caller leaves the others waiting; when the last caller leaves, the run is interrupted (its request
 * aborted) and forgotten, so a later caller starts afresh.
 *
 * Callers wait with a plain `Effect.async` on the run's fiber: no `Deferred`, no masks. A hot path pays one
 * fiber per distinct key in flight, and nothing else.
 *
 * @internal
 */
export const makeCoalescer = <A, E>() => {
  const inflight = new Map<string, InFlight<A, E>>()

  const wait = (key: string, entry: InFlight<A, E>) =>
    Effect.async<A, E>((resume) => {
      entry.waiters++
      let done = false
      const observer = (exit: Exit.Exit<A, E>) => {
        done = true
        resume(exit)
      }
      entry.fiber.addObserver(observer)
      return Effect.sync(() => {
        if (done) return
        entry.fiber.removeObserver(observer)
        entry.waiters--
        if (entry.waiters > 0 || inflight.get(key) !== entry) return
        inflight.delete(key)
        entry.fiber.unsafeInterruptAsFork(FiberId.none)
      })
    })

  return (key: string, run: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => {
      const existing = inflight.get(key)
      if (existing !== undefined) return wait(key, existing)
      return Effect.flatMap(Effect.forkDaemon(run), (fiber) => {
        const entry: InFlight<A, E> = { fiber, waiters: 0 }
        // Forgotten once settled; a caller arriving later starts a new run.
        fiber.addObserver(() => {
          if (inflight.get(key) === entry) inflight.delete(key)
        })
        if (fiber.unsafePoll() === null) inflight.set(key, entry)
        return wait(key, entry)
      })
    })
}
