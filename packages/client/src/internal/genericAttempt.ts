import { type ApiTokenId, type ApiTokensError, type TokenMeta, TransportError } from "@deepset-tokens/domain"
import { excerpt, type Scrub } from "@deepset-tokens/wire"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ApiTokens } from "../ApiTokens.js"
import { describeCause, interpret } from "./interpret.js"
import type { Plan } from "./options.js"
import { userAgent } from "./userAgent.js"

const redactAllHeaders: ReadonlyArray<RegExp> = [/./]

/**
 * One attempt through the platform pipeline: for any `HttpClient` (a user's own, a wrapped one, the fake).
 * The twin of `leanAttempt`, which serves the exact clients our transports provide.
 *
 * @internal
 */
export const genericAttempt = (
  provided: HttpClient.HttpClient,
  { maxBodyBytes, options, scrub, timed, tokenUrl }: {
    readonly options: ApiTokens.Options
    readonly tokenUrl: string
    readonly maxBodyBytes: number
    readonly scrub: Scrub
    readonly timed: (
      effect: Effect.Effect<TokenMeta, ApiTokensError>,
      plan: Plan
    ) => Effect.Effect<TokenMeta, ApiTokensError>
  }
) =>
  Effect.map(Effect.serviceOption(FetchHttpClient.RequestInit), (init) => {
    // The platform's http.client span records every response header as an attribute, so a server that
    // echoes the key would put it into traces. The ApiTokens.retrieve span carries the safe attributes.
    const client = HttpClient.withTracerDisabledWhen(provided, () => true)
    // Built once: each call only sets the URL on this request.
    const baseRequest = HttpClientRequest.get(tokenUrl).pipe(
      HttpClientRequest.bearerToken(options.apiKey),
      HttpClientRequest.acceptJson,
      HttpClientRequest.setHeader("user-agent", userAgent)
    )
    const transportError = (error: HttpClientError.HttpClientError) =>
      Effect.fail(new TransportError({ reason: excerpt(scrub, describeCause(error)) }))
    // 3xx answers are errors, never followed: the key must not reach another origin. undici's `request`
    // never follows; fetch would, so it is told not to (keeping any RequestInit the layer was given).
    const fetchInit: RequestInit = { ...Option.getOrElse(init, () => ({})), redirect: "manual" }
    // An interruption (the timeout, or the caller) aborts the request, whether it waits for headers or
    // reads the body: the platform ties an AbortController to both.
    return (id: ApiTokenId, plan: Plan): Effect.Effect<TokenMeta, ApiTokensError> =>
      timed(
        client.execute(HttpClientRequest.setUrl(baseRequest, tokenUrl + id)).pipe(
          Effect.catchAll(transportError),
          Effect.flatMap((response) =>
            Effect.zipRight(
              Effect.annotateCurrentSpan("http.response.status_code", response.status),
              interpret(response, { id, maxBodyBytes, scrub })
            )
          ),
          Effect.provideService(FetchHttpClient.RequestInit, fetchInit),
          // Any header a server sends may echo the key; the platform's own renderings of requests and
          // responses (its debug logs of failed internal fibers, for one) then show every value redacted.
          Effect.locally(Headers.currentRedactedNames, redactAllHeaders)
        ),
        plan
      )
  })
