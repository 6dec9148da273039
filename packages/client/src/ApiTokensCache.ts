/**
 * The in-memory cache an `ApiTokens` constructor builds when it is given `cache` options, and how to
 * invalidate it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"

/**
 * The handle on the cache of an `ApiTokens` built with `cache` options: provided next to `ApiTokens` by
 * `ApiTokens.layer({ ..., cache })` and `ApiTokens.layerConfig({ ..., cache })`, and returned as `cache` by
 * `ApiTokens.make({ ..., cache })`.
 *
 * **When to use**
 *
 * Invalidate an entry when your application learns that a token changed (its workspaces were edited, it was
 * revoked), instead of waiting for its `ttl`.
 *
 * @example
 * ```ts
 * import { ApiTokensCache } from "@deepset-tokens/client"
 * import { Effect } from "effect"
 *
 * // after rotating a token's workspaces:
 * const forget = Effect.flatMap(ApiTokensCache, (cache) => cache.invalidate("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
 * ```
 *
 * @category tags
 * @since 0.1.0
 */
export class ApiTokensCache
  extends Context.Tag("@deepset-tokens/client/ApiTokensCache")<ApiTokensCache, ApiTokensCache.Service>()
{}

/**
 * @since 0.1.0
 */
export declare namespace ApiTokensCache {
  /**
   * How the cache behaves. Every duration is from 1 millisecond to 2^31 − 1 milliseconds (about 24.8 days),
   * like every duration option of `ApiTokens`.
   *
   * **Details**
   *
   * - `ttl` (required): how long a retrieved `TokenMeta` is served from memory. `0` is refused: a cache that
   *   holds nothing is a mistake; leave `cache` out instead.
   * - `capacity` (required): how many tokens are kept, an integer from 1 to 100,000; the least recently used
   *   goes first. An entry is a token's metadata (about a kilobyte), so the upper bound keeps the cache
   *   under about 100 MB.
   * - `notFoundTtl` (optional): how long a 404 is remembered (keep it short). Left out, 404s are not cached;
   *   `0` is refused for the same reason as a `0` `ttl`. Other errors are never cached.
   *
   * **Gotchas**
   *
   * A cached token can be stale for up to `ttl`: a revoked token still reads as it was. Keep `ttl` short
   * where that matters, or invalidate on your own change events.
   *
   * @category models
   * @since 0.1.0
   */
  export interface Options {
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
    /** Forgets every token. */
    readonly invalidateAll: Effect.Effect<void>
    /** How many entries are held now (expired ones may still count until touched). */
    readonly size: Effect.Effect<number>
  }
}
