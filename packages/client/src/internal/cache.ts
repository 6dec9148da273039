import type { TokenMeta, TokenNotFound } from "@deepset-tokens/domain"

type Entry =
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
