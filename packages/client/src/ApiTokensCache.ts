/**
 * The cache behind `ApiTokens.layerCached`, and how to invalidate it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"

/**
 * **Details**
 *
 * - `ttl`: how long a retrieved `TokenMeta` is served from memory.
 * - `capacity`: how many tokens are kept; the least recently used goes first.
 * - `notFoundTtl`: optionally, how long a 404 is remembered (keep it short). Other errors are never cached.
 *
 * @category models
 * @since 0.1.0
 */
export interface CacheOptions {
  readonly ttl: Duration.DurationInput
  readonly capacity: number
  readonly notFoundTtl?: Duration.DurationInput | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** Forgets one token (any case; an id that is not a UUID is ignored). */
  readonly invalidate: (id: string) => Effect.Effect<void>
  readonly invalidateAll: Effect.Effect<void>
  /** How many entries are held now (expired ones may still count until touched). */
  readonly size: Effect.Effect<number>
}

/**
 * Provided next to `ApiTokens` by `ApiTokens.layerCached`.
 *
 * @example
 * ```ts
 * import { ApiTokensCache } from "@deepset-tokens/client"
 * import { Effect } from "effect"
 *
 * // after rotating a token's workspaces:
 * Effect.flatMap(ApiTokensCache, (cache) => cache.invalidate("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
 * ```
 *
 * @category tags
 * @since 0.1.0
 */
export class ApiTokensCache extends Context.Tag("@deepset-tokens/client/ApiTokensCache")<ApiTokensCache, Service>() {}
