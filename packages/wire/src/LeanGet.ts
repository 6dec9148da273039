/**
 * The lean request: the one GET a token client sends, as plain callbacks, so each transport can send it
 * without fibers, promises per stage or a platform pipeline.
 *
 * @since 0.1.0
 */
import type { Body } from "./Body.js"
import type { HeaderEntries, HeaderLookup } from "./Headers.js"

/**
 * @category models
 * @since 0.1.0
 */
export interface LeanRequest {
  /** `scheme://host[:port]`. */
  readonly origin: string
  /** The path from the origin, already encoded. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly maxBodyBytes: number
}

/**
 * @category models
 * @since 0.1.0
 */
export interface LeanResponse {
  readonly status: number
  readonly header: HeaderLookup
  /**
   * Every header, for an error to carry: the object the transport already holds (fetch's `Headers`, a
   * record), read only when the answer is an error. Left out, errors carry no headers.
   */
  readonly headers?: HeaderEntries | undefined
  readonly body: Body
}

/**
 * Sends one GET with callbacks.
 *
 * **Details**
 *
 * Calls `onResponse` with the status, the headers and the body read under `maxBodyBytes` (a broken or
 * oversized body is part of the response, not an error), or `onError` when no response arrived (connect,
 * reset before headers, abort): at most one of them, once. Returns a function that aborts the request at
 * any stage. It never follows redirects and never reads past the cap.
 *
 * @category models
 * @since 0.1.0
 */
export type LeanGet = (
  request: LeanRequest,
  onResponse: (response: LeanResponse) => void,
  onError: (cause: unknown) => void
) => () => void
