import type * as HttpClient from "@effect/platform/HttpClient"
import type { Body, HeaderLookup } from "./interpret.js"

/** @internal */
export interface LeanRequest {
  /** `scheme://host[:port]`. */
  readonly origin: string
  /** The path from the origin, already encoded. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly maxBodyBytes: number
}

/** @internal */
export interface LeanResponse {
  readonly status: number
  readonly header: HeaderLookup
  readonly body: Body
}

/**
 * The one request `ApiTokens` sends, with callbacks: no fibers, no promises, no platform pipeline.
 *
 * Calls `onResponse` with the status, the headers and the body read under `maxBodyBytes` (a broken or
 * oversized body is part of the response, not an error), or `onError` when no response arrived (connect,
 * reset before headers, abort), at most one of them, once. Returns a function that aborts the request at
 * any stage. It never follows redirects and never reads past the cap.
 *
 * @internal
 */
export type LeanGet = (
  request: LeanRequest,
  onResponse: (response: LeanResponse) => void,
  onError: (cause: unknown) => void
) => () => void

const LeanGetId: unique symbol = Symbol.for("@deepset-tokens/client/LeanGet")

/**
 * An `HttpClient` that also carries a lean path for `ApiTokens`. The mark is an own property of this one
 * object: any `HttpClient.mapRequest`, `transform` or similar builds a new client without it, so a client a
 * user customized always goes through the platform pipeline, where the customization applies.
 *
 * @internal
 */
export const withLeanGet = (client: HttpClient.HttpClient, get: LeanGet): HttpClient.HttpClient => {
  const marked = Object.create(client) as HttpClient.HttpClient & { [LeanGetId]?: LeanGet }
  Object.defineProperty(marked, LeanGetId, { value: get, enumerable: false })
  return marked
}

/** @internal */
export const leanGetOf = (client: HttpClient.HttpClient): LeanGet | undefined =>
  Object.prototype.hasOwnProperty.call(client, LeanGetId)
    ? (client as unknown as { readonly [LeanGetId]: LeanGet })[LeanGetId]
    : undefined
