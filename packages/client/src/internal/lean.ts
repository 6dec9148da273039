/**
 * The Effect-side mark of a lean transport: an `HttpClient` that also carries the wire core's `LeanGet`, and
 * the registry that recognises a client derived from one by request-side customizations only.
 */
import type { LeanGet } from "@deepset-tokens/wire"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Effect from "effect/Effect"
import { globalValue } from "effect/GlobalValue"

const LeanGetId: unique symbol = Symbol.for("@deepset-tokens/client/LeanGet")

/**
 * The two halves every `@effect/platform` client is made of (`makeWith(postprocess, preprocess)`): `execute`
 * is `postprocess(preprocess(request))`. They are not in the public `HttpClient` type, so they are read as
 * unknown and checked.
 */
interface Halves {
  readonly preprocess?: unknown
  readonly postprocess?: unknown
}

/**
 * A lean transport's `postprocess` (the half that sends) to its `LeanGet`; `null` when two different
 * `LeanGet`s were registered for one `postprocess`, which is then ambiguous and never used. A `WeakMap`, so a
 * registered client is still collected; a global value, so two copies of this module (ESM and CommonJS) share it,
 * as they share the `Symbol.for` mark.
 */
const leanBySender = globalValue(
  Symbol.for("@deepset-tokens/client/leanBySender"),
  () => new WeakMap<object, LeanGet | null>()
)

/**
 * An `HttpClient` that also carries a lean path for `ApiTokens`. The mark is an own property of this one
 * object: any `HttpClient.mapRequest`, `transform` or similar builds a new client without it, so a client a
 * user customized goes through {@link derivedLeanOf}, which keeps the lean path only where the customization
 * is the request's alone.
 *
 * @internal
 */
export const withLeanGet = (client: HttpClient.HttpClient, get: LeanGet): HttpClient.HttpClient => {
  const marked = Object.create(client) as HttpClient.HttpClient & { [LeanGetId]?: LeanGet }
  Object.defineProperty(marked, LeanGetId, { value: get, enumerable: false })
  const sender = (client as Halves).postprocess
  if (typeof sender === "function") {
    const known = leanBySender.get(sender)
    leanBySender.set(sender, known === undefined || known === get ? get : null)
  }
  return marked
}

/** @internal */
export const leanGetOf = (client: HttpClient.HttpClient): LeanGet | undefined =>
  Object.prototype.hasOwnProperty.call(client, LeanGetId)
    ? (client as unknown as { readonly [LeanGetId]: LeanGet })[LeanGetId]
    : undefined

/**
 * A client derived from a lean transport's by request-side customizations only, taken apart.
 *
 * @internal
 */
export interface DerivedLean {
  /** The transport's lean GET. */
  readonly get: LeanGet
  /** The derived client's request mapping: every `mapRequest`, `tapRequest`, ... composed. */
  readonly preprocess: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<
    HttpClientRequest.HttpClientRequest,
    unknown
  >
  /** The transport's sending half, for a mapped request the lean GET cannot send (another method, a body). */
  readonly postprocess: (request: Effect.Effect<HttpClientRequest.HttpClientRequest, unknown>) => Effect.Effect<
    HttpClientResponse.HttpClientResponse,
    unknown
  >
}

/**
 * The lean GET of the transport `client` was derived from, when every customization on the way changed only
 * the request; `undefined` otherwise (and for a lean transport's own client, which {@link leanGetOf} serves).
 *
 * **Details**
 *
 * In `@effect/platform` 0.97, `HttpClient.mapRequest`, `mapRequestEffect`, `mapRequestInput`,
 * `mapRequestInputEffect` and `tapRequest` build `makeWith(client.postprocess, newPreprocess)`: the derived
 * client sends with the very function the transport's client sends with. Anything that acts on the response
 * (`transformResponse`, `tap`, `retry`, `filterStatusOk`, `followRedirects`, `withTracerDisabledWhen`, a
 * client of your own from `HttpClient.make`) builds a new `postprocess`, finds nothing here, and takes the
 * platform pipeline, where that customization applies.
 *
 * @internal
 */
export const derivedLeanOf = (client: HttpClient.HttpClient): DerivedLean | undefined => {
  if (leanGetOf(client) !== undefined) return undefined
  const { postprocess, preprocess } = client as Halves
  if (typeof postprocess !== "function" || typeof preprocess !== "function") return undefined
  const get = leanBySender.get(postprocess)
  return get === undefined || get === null
    ? undefined
    : {
      get,
      preprocess: preprocess as DerivedLean["preprocess"],
      postprocess: postprocess as DerivedLean["postprocess"]
    }
}
