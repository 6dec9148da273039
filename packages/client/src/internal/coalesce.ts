import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

type Observer<A, E> = (exit: Exit.Exit<A, E>) => void

/**
 * What the callers of one key wait on: a daemon fiber, or a `Relay`.
 *
 * @internal
 */
export interface SharedRun<A, E> {
  readonly addObserver: (observer: Observer<A, E>) => void
  readonly removeObserver: (observer: Observer<A, E>) => void
  /** Stops the run: every caller left before it settled. */
  readonly interrupt: () => void
}

/**
 * A shared run that starts outside any fiber (a request a caller sent from its own fiber) and may go on in
 * one (its retries).
 *
 * Why: a daemon fiber per id in flight was what coalescing cost every call, also the many calls that find
 * nobody to share with. A relay is a few fields until a second caller joins or an attempt fails.
 *
 * @internal
 */
export class Relay<A, E> implements SharedRun<A, E> {
  private observers: Array<Observer<A, E>> = []
  private fiber: Fiber.RuntimeFiber<A, E> | undefined
  /** Aborts what runs before a hand-off (the first request); set once it is sent. */
  stop: () => void = () => {}

  addObserver(observer: Observer<A, E>): void {
    if (this.fiber !== undefined) this.fiber.addObserver(observer)
    else this.observers.push(observer)
  }

  removeObserver(observer: Observer<A, E>): void {
    if (this.fiber !== undefined) return this.fiber.removeObserver(observer)
    const i = this.observers.indexOf(observer)
    if (i >= 0) this.observers.splice(i, 1)
  }

  interrupt(): void {
    if (this.fiber !== undefined) this.fiber.unsafeInterruptAsFork(FiberId.none)
    else this.stop()
  }

  /** The run's outcome, for everyone waiting. */
  done(exit: Exit.Exit<A, E>): void {
    const observers = this.observers
    this.observers = []
    for (const observer of observers) observer(exit)
  }

  /** The run goes on in `fiber`: everyone waiting, and everyone who joins from now on, waits on it. */
  handOff(fiber: Fiber.RuntimeFiber<A, E>): void {
    this.fiber = fiber
    const observers = this.observers
    this.observers = []
    for (const observer of observers) fiber.addObserver(observer)
  }
}

interface InFlight<A, E> {
  readonly run: SharedRun<A, E>
  waiters: number
}

/** @internal */
export interface Coalescer<A, E> {
  /** `run`, shared by `key`: joins the run in flight for `key`, else starts `run` in a daemon fiber. */
  readonly share: (key: string, run: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /** Waiting for the run in flight for `key`; `undefined` if there is none. */
  readonly join: (key: string) => Effect.Effect<A, E> | undefined
  /**
   * Registers `run` for `key`, started by a caller that waits on it with `observer` outside of `join`. The
   * caller calls what this returns when it leaves (its fiber ends) before `observer` has heard.
   */
  readonly start: (key: string, run: SharedRun<A, E>, observer: Observer<A, E>) => () => void
}

/**
 * Shares one run per key among concurrent callers. Interrupting one caller leaves the others waiting; when the
 * last caller leaves, the run is interrupted (its request aborted) and forgotten, so a later caller starts
 * afresh. A settled run is forgotten too.
 *
 * Callers wait with a plain `Effect.async` on the run: no `Deferred`, no masks.
 *
 * @internal
 */
export const makeCoalescer = <A, E>(): Coalescer<A, E> => {
  const inflight = new Map<string, InFlight<A, E>>()

  const leave = (key: string, entry: InFlight<A, E>, observer: Observer<A, E>) => {
    entry.run.removeObserver(observer)
    entry.waiters--
    if (entry.waiters > 0 || inflight.get(key) !== entry) return
    inflight.delete(key)
    entry.run.interrupt()
  }

  const register = (key: string, run: SharedRun<A, E>): InFlight<A, E> => {
    const entry: InFlight<A, E> = { run, waiters: 0 }
    run.addObserver(() => {
      if (inflight.get(key) === entry) inflight.delete(key)
    })
    inflight.set(key, entry)
    return entry
  }

  const wait = (key: string, entry: InFlight<A, E>) =>
    Effect.async<A, E>((resume) => {
      entry.waiters++
      let done = false
      const observer = (exit: Exit.Exit<A, E>) => {
        done = true
        resume(exit)
      }
      entry.run.addObserver(observer)
      return Effect.sync(() => {
        if (!done) leave(key, entry, observer)
      })
    })

  const join = (key: string) => {
    const existing = inflight.get(key)
    return existing === undefined ? undefined : wait(key, existing)
  }

  return {
    join,
    share: (key, run) =>
      Effect.suspend(() =>
        join(key) ?? Effect.flatMap(Effect.forkDaemon(run), (fiber) => {
          const shared: SharedRun<A, E> = {
            addObserver: (observer) => fiber.addObserver(observer),
            removeObserver: (observer) => fiber.removeObserver(observer),
            interrupt: () => fiber.unsafeInterruptAsFork(FiberId.none)
          }
          // A run that settled already has nothing to share: the caller reads its outcome.
          return wait(key, fiber.unsafePoll() === null ? register(key, shared) : { run: shared, waiters: 0 })
        })
      ),
    start: (key, run, observer) => {
      const entry = register(key, run)
      entry.waiters++
      run.addObserver(observer)
      return () => leave(key, entry, observer)
    }
  }
}
