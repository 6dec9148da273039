/**
 * The Effect-side mark of a lean transport: an `HttpClient` that also carries the wire core's `LeanGet`.
 */
import type { LeanGet } from "@deepset-tokens/wire"
import type * as HttpClient from "@effect/platform/HttpClient"

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
