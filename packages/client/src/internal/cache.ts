import {
  type ApiTokenId,
  type ApiTokensError,
  parseApiTokenId,
  type TokenMeta,
  type TokenNotFound
} from "@deepset-tokens/domain"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { ApiTokensCache } from "../ApiTokensCache.js"
import type { Plan, ResolvedCache } from "./options.js"

/** @internal */
export type Entry =
  | { readonly _tag: "Hit"; readonly value: TokenMeta; readonly expiresAt: number }
  | { readonly _tag: "NotFound"; readonly error: TokenNotFound; readonly expiresAt: number }

/**
 * A bounded LRU with per-entry expiry. A JS `Map` keeps insertion order, so re-inserting on a hit moves the
 * entry to the young end and the first key is always the eldest.
 *
 * @internal
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>()

  constructor(readonly capacity: number) {}

  get(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.entries.delete(key)
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry
  }

  set(key: string, entry: Entry): void {
    this.entries.delete(key)
    this.entries.set(key, entry)
    if (this.entries.size > this.capacity) {
      const eldest = this.entries.keys().next()
      if (eldest.done !== true) this.entries.delete(eldest.value)
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/**
 * A cache as an `ApiTokens` uses it: the entries and how long each kind lives.
 *
 * @internal
 */
export interface Store {
  readonly entries: TokenCache
  readonly ttlMillis: number
  /** `undefined`: 404s are not cached. */
  readonly notFoundTtlMillis: number | undefined
}

/** @internal */
export const makeStore = (options: ResolvedCache): Store => ({
  entries: new TokenCache(options.capacity),
  ttlMillis: options.ttlMillis,
  notFoundTtlMillis: options.notFoundTtlMillis
})

/**
 * `run`, with each cacheable outcome stored: a success for `ttlMillis`, a 404 for `notFoundTtlMillis` when
 * set. Every other error passes through unstored.
 *
 * @internal
 */
export const storingOutcomes = (
  run: (id: ApiTokenId, plan: Plan) => Effect.Effect<TokenMeta, ApiTokensError>,
  store: Store,
  clock: Clock.Clock
) => {
  const { entries, notFoundTtlMillis, ttlMillis } = store
  return (id: ApiTokenId, plan: Plan): Effect.Effect<TokenMeta, ApiTokensError> =>
    Effect.tapBoth(run(id, plan), {
      onSuccess: (value) =>
        Effect.sync(() =>
          entries.set(id, { _tag: "Hit", value, expiresAt: clock.unsafeCurrentTimeMillis() + ttlMillis })
        ),
      onFailure: (error) =>
        Effect.sync(() => {
          if (error._tag === "TokenNotFound" && notFoundTtlMillis !== undefined) {
            entries.set(id, { _tag: "NotFound", error, expiresAt: clock.unsafeCurrentTimeMillis() + notFoundTtlMillis })
          }
        })
    })
}

/**
 * The `ApiTokensCache` handle on a store.
 *
 * @internal
 */
export const cacheService = (store: Store): ApiTokensCache.Service => ({
  invalidate: (id) =>
    Effect.sync(() => {
      const parsed = parseApiTokenId(id)
      if (Either.isRight(parsed)) store.entries.delete(parsed.right)
    }),
  invalidateAll: Effect.sync(() => store.entries.clear()),
  size: Effect.sync(() => store.entries.size)
})
