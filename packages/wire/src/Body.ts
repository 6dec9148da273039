/**
 * A response body read under a byte cap: the one accumulator every reader uses (the platform stream, the
 * fetch reader, the undici handler and the CLI's `node:http` client), so they agree byte for byte.
 *
 * @since 0.1.0
 */

/**
 * A response body as read under the cap.
 *
 * @category models
 * @since 0.1.0
 */
export interface Body {
  readonly text: string
  /** The body was larger than the cap; `text` is the beginning read before it, often empty. */
  readonly truncated: boolean
  /** The connection broke while reading: why. `undefined` when the body arrived whole. */
  readonly broken: string | undefined
}

/**
 * A body that arrived whole.
 *
 * @category constructors
 * @since 0.1.0
 */
export const bodyOf = (text: string): Body => ({ text, truncated: false, broken: undefined })

/**
 * A body refused for being over the cap. One shared value: a refusal carries nothing of its own.
 *
 * @category constructors
 * @since 0.1.0
 */
export const tooLarge: Body = Object.freeze({ text: "", truncated: true, broken: undefined })

/**
 * A body whose connection broke while it was read.
 *
 * @category constructors
 * @since 0.1.0
 */
export const brokenWith = (reason: string): Body => ({ text: "", truncated: false, broken: reason })

// `ignoreBOM: false` (the default) drops one leading UTF-8 byte-order mark, as fetch's and undici's
// `text()` do; malformed sequences become U+FFFD, as they do.
const decoder = new TextDecoder()

/**
 * UTF-8 text of `bytes`, one leading byte-order mark dropped: what fetch's `Response.text()` returns.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeText = (bytes: Uint8Array): string => decoder.decode(bytes)

const empty = new Uint8Array(0)

/**
 * Collects chunks until their total would pass `maxBytes`, never holding more.
 *
 * **Details**
 *
 * `push` answers `false` (and keeps nothing of that chunk) when it would pass the cap: the reader then stops
 * reading and closes the connection. A reader that owns one request may extend this class instead of
 * holding one, which saves an object per request on the hot path.
 *
 * @category accumulating
 * @since 0.1.0
 */
export class BodyAccumulator {
  private chunks: Array<Uint8Array> = []
  private total = 0

  constructor(
    /** The cap, in bytes. `Infinity` for none. */
    readonly maxBytes: number
  ) {}

  /** Bytes kept so far. */
  get size(): number {
    return this.total
  }

  /** Keeps `chunk`, or answers `false` when it would pass the cap. */
  push(chunk: Uint8Array): boolean {
    if (this.total + chunk.length > this.maxBytes) return false
    this.total += chunk.length
    this.chunks.push(chunk)
    return true
  }

  /** All bytes kept, in order: the one chunk itself when there is only one, so the common case copies nothing. */
  bytes(): Uint8Array {
    const chunks = this.chunks
    if (chunks.length === 1) return chunks[0]!
    if (chunks.length === 0) return empty
    const all = new Uint8Array(this.total)
    let offset = 0
    for (const chunk of chunks) {
      all.set(chunk, offset)
      offset += chunk.length
    }
    return all
  }

  /** {@link decodeText} of all bytes kept. */
  text(): string {
    return decoder.decode(this.bytes())
  }

  /** Lets go of the chunks, for a reader that stops early and may live on. */
  clear(): void {
    this.chunks = []
    this.total = 0
  }
}
