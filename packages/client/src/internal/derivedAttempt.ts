/**
 * The attempt for a client derived from one of our transports by request-side customizations only
 * (`HttpClient.mapRequest`, `mapRequestEffect`, `mapRequestInput`, `mapRequestInputEffect`, `tapRequest`):
 * the customization runs on the request, and the request it gives is sent on the transport's lean GET.
 */
import type { ApiTokenId, ApiTokensError, TokenMeta } from "@deepset-tokens/domain"
import type { LeanRequest } from "@deepset-tokens/wire"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import { type PlatformOptions, platformSend, redactAllHeaders, tokenRequest, transportError } from "./genericAttempt.js"
import type { DerivedLean } from "./lean.js"
import { leanAttempt } from "./leanAttempt.js"
import type { Plan } from "./options.js"

/** Where the lean GET sends a mapped request, or why it cannot. */
type Target =
  | { readonly _tag: "Lean"; readonly origin: string; readonly path: string; readonly headers: LeanRequest["headers"] }
  /** The platform sends it: the lean GET sends a bodiless GET with `Accept-Encoding: identity` and nothing else. */
  | { readonly _tag: "Platform" }
  | { readonly _tag: "InvalidUrl"; readonly cause: unknown }

const platform: Target = { _tag: "Platform" }

/**
 * Where `request` goes, read as the platform reads it: its URL with its URL parameters (`UrlParams.makeUrl`,
 * what `HttpClient.make` sends to), and every header as it stands. The hash is dropped: an HTTP client never
 * sends it.
 *
 * `unmapped` is the URL before the mapping, with its known origin and path: a mapping that left the URL alone
 * (the common case, a header added) parses no URL.
 */
const targetOf = (
  request: HttpClientRequest.HttpClientRequest,
  unmapped: string,
  origin: string,
  path: string
): Target => {
  if (request.method !== "GET" || request.body._tag !== "Empty") return platform
  // The lean GET always asks for identity, which keeps the body cap exact; a mapping that asks for an
  // encoding is sent as it asked, by the platform.
  if (request.headers["accept-encoding"] !== undefined) return platform
  if (request.url === unmapped && request.urlParams.length === 0) {
    return { _tag: "Lean", origin, path, headers: request.headers }
  }
  const url = UrlParams.makeUrl(request.url, request.urlParams, Option.none())
  if (Either.isLeft(url)) return { _tag: "InvalidUrl", cause: url.left }
  const { password, protocol, username } = url.right
  // Another scheme, or credentials in the URL: whatever the platform does with them, it does.
  if ((protocol !== "http:" && protocol !== "https:") || username !== "" || password !== "") return platform
  return {
    _tag: "Lean",
    origin: url.right.origin,
    path: url.right.pathname + url.right.search,
    headers: request.headers
  }
}

/** The attempt's timeout less what the mapping took, or `undefined` when the mapping took all of it. */
const remaining = (plan: Plan, elapsed: number): Plan | undefined => {
  if (elapsed <= 0) return plan
  if (elapsed >= plan.timeoutMillis) return undefined
  const left = plan.timeoutMillis - elapsed
  return { ...plan, timeout: Duration.millis(left), timeoutMillis: left }
}

/**
 * One attempt on a client derived from a lean transport by request-side customizations.
 *
 * **Details**
 *
 * The token request is built as the platform path builds it (`tokenRequest`) and given to the client's
 * `preprocess` (every `mapRequest`, `tapRequest`, ... it was derived with), with every header name redacted
 * while it runs. A failure of the mapping is a `TransportError` (scrubbed, as any failure before a response).
 * The mapped request, when it is still a bodiless GET to an `http(s)` URL, is sent on the transport's
 * `LeanGet` through `leanAttempt` (its timer, its abort, its reading of the body): its URL (origin, path and
 * URL parameters) and all its headers, a replaced `authorization` included. Any other request (another
 * method, a body, an `Accept-Encoding` of its own) is sent, for that call, by the transport's `postprocess`
 * through the platform pipeline (`platformSend`): the same request, mapped once.
 *
 * **Gotchas**
 *
 * The mapping runs in the caller's fiber, before the request: the time it takes counts against the attempt
 * timeout, but a mapping that never completes is bounded by the call's `deadline` and by interruption, not by
 * the attempt timeout (bounding it would cost a fiber per call, which is what this path avoids).
 *
 * @internal
 */
export const derivedAttempt = (derived: DerivedLean, options: PlatformOptions) =>
  Effect.map(platformSend(options), (send) => {
    const { maxBodyBytes, scrub, timed, tokenUrl } = options
    const request = tokenRequest(options)
    const { origin, pathname } = new URL(tokenUrl)
    const failed = transportError(scrub)
    // The headers of the last mapped request, handed on again when a call maps to the same ones (a constant
    // header added: the common case). The lean GET keeps its `Accept-Encoding: identity` copy per headers
    // object, so the same object costs no copy there; a fresh one per call costs a spread of the platform's
    // `Headers` (a prototype-less dictionary), several µs a request.
    let lastHeaders: LeanRequest["headers"] = {}
    let lastCount = 0
    const stable = (headers: LeanRequest["headers"]): LeanRequest["headers"] => {
      let count = 0
      let same = true
      for (const name in headers) {
        count++
        if (same && lastHeaders[name] !== headers[name]) same = false
      }
      if (same && count === lastCount) return lastHeaders
      lastHeaders = headers
      lastCount = count
      return headers
    }

    // A leanAttempt per mapped request keeps its timer, abort, span status and body reading written once.
    // leanAttempt sends `pathPrefix + id`; the GET it is given sends the mapped request's own path instead,
    // which a mapping may have changed past the id (a query, another path).
    const lean = (target: Extract<Target, { _tag: "Lean" }>) => {
      const headers = stable(target.headers)
      return leanAttempt({
        get: (sent, onResponse, onError) =>
          derived.get(
            { origin: target.origin, path: target.path, headers, maxBodyBytes: sent.maxBodyBytes },
            onResponse,
            onError
          ),
        origin: target.origin,
        pathPrefix: target.path,
        headers,
        maxBodyBytes,
        scrub,
        timed
      })
    }

    // Every header name redacted while the mapping runs (as the platform path does for the whole attempt),
    // set and put back by hand: `Effect.locally` costs an acquire/use/release per call. An interruption skips
    // the putting back, and the interrupted fiber ends with the stricter setting.
    const redactAll = FiberRef.set(Headers.currentRedactedNames, redactAllHeaders)

    return (id: ApiTokenId, plan: Plan): Effect.Effect<TokenMeta, ApiTokensError> =>
      Effect.withFiberRuntime((fiber) => {
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const started = clock.unsafeCurrentTimeMillis()
        const url = tokenUrl + id
        const putBack = FiberRef.set(Headers.currentRedactedNames, fiber.getFiberRef(Headers.currentRedactedNames))
        const mapped = Effect.matchCauseEffect(derived.preprocess(HttpClientRequest.setUrl(request, url)), {
          onFailure: (cause) =>
            Effect.zipRight(
              putBack,
              // The mapping's own failure is a TransportError; a defect or an interruption stays what it is.
              Either.match(Cause.failureOrCause(cause), { onLeft: failed, onRight: Effect.failCause })
            ),
          onSuccess: (mapped) => {
            const budget = remaining(plan, clock.unsafeCurrentTimeMillis() - started)
            if (budget === undefined) return Effect.zipRight(putBack, Effect.fail(plan.attemptTimeout))
            const target = targetOf(mapped, url, origin, pathname + id)
            switch (target._tag) {
              case "Lean":
                return Effect.zipRight(putBack, lean(target).attempt(id, budget))
              case "Platform":
                return Effect.zipRight(putBack, send(derived.postprocess(Effect.succeed(mapped)), id, budget))
              case "InvalidUrl":
                return Effect.zipRight(putBack, failed(target.cause))
            }
          }
        })
        return Effect.zipRight(redactAll, mapped)
      })
  })
