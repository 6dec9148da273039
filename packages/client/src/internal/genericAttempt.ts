/**
 * The attempt through the platform pipeline, for any `HttpClient` that is not exactly one of our transports:
 * a user's own, one wrapped on the response side, the fake. Also the part of a derived client's attempt that
 * the lean GET cannot send (`derivedAttempt`).
 */
import { type ApiTokenId, type ApiTokensError, type TokenMeta, TransportError } from "@deepset-tokens/domain"
import { describeError, excerpt, type Scrub } from "@deepset-tokens/wire"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import type { ApiTokens } from "../ApiTokens.js"
import { interpret } from "./interpret.js"
import type { Plan } from "./options.js"
import { ownsTimer, type Timed } from "./timer.js"
import { userAgent } from "./userAgent.js"

/**
 * Every header name: while `retrieve` runs, the platform renders every header value redacted.
 *
 * @internal
 */
export const redactAllHeaders: ReadonlyArray<RegExp> = [/./]
const always = () => true

/**
 * What every non-lean attempt is built from: the layer's options and the pieces `build` already made.
 *
 * @internal
 */
export interface PlatformOptions {
  readonly options: ApiTokens.Options
  readonly tokenUrl: string
  readonly maxBodyBytes: number
  readonly scrub: Scrub
  readonly timed: Timed
}

/**
 * The request `ApiTokens` sends, without its id: built once, so each call only sets the URL.
 *
 * @internal
 */
export const tokenRequest = ({ options, tokenUrl }: PlatformOptions): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.get(tokenUrl).pipe(
    HttpClientRequest.bearerToken(options.apiKey),
    HttpClientRequest.acceptJson,
    HttpClientRequest.setHeader("user-agent", userAgent)
  )

/**
 * The message of a failure before any response: the innermost useful message of a platform error (undici hides
 * the errno in `cause`), or of anything a user's client or request mapping failed with, which may be no
 * `Error` at all. Read without calling the value's own methods, which could throw or print the key.
 *
 * @internal
 */
export const describeFailure = (error: unknown): string => {
  const cause = typeof error === "object" && error !== null && "cause" in error ? describeError(error.cause) : ""
  if (cause.length > 0) return cause
  const own = describeError(error)
  if (own.length > 0) return own
  if (typeof error === "string") return error
  const tag = typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined
  return typeof tag === "string" ? `the HttpClient failed with ${tag}` : `the HttpClient failed with a ${typeof error}`
}

/**
 * A failure before any response, as the typed error: scrubbed and bounded like every server text.
 *
 * @internal
 */
export const transportError = (scrub: Scrub) => (error: unknown): Effect.Effect<never, TransportError> =>
  Effect.fail(new TransportError({ reason: excerpt(scrub, describeFailure(error)) }))

/**
 * Sends a request through the platform and interprets the answer, as one attempt.
 *
 * `send` runs in a child fiber with the attempt's settings set on it directly (nothing to restore: the fiber
 * ends with the attempt), which is what per-call `Effect.locally` and `provideService` cost most of before:
 * - every header name redacted: a server may echo the key in any header, and the platform's own renderings of
 *   requests and responses (its debug logs of failed internal fibers, for one) then show every value redacted;
 * - the platform's `http.client` span off: it records every response header as an attribute, so a server that
 *   echoes the key would put it into traces (the `ApiTokens.retrieve` span carries the safe attributes);
 * - fetch told not to follow redirects (`redirect: "manual"`), over any `RequestInit` the layer was given:
 *   3xx answers are errors, so the key never reaches another origin. undici's `request` never follows.
 *
 * The attempt timeout is one timer that interrupts the child, under the live clock; under another (the
 * `TestClock`) the fiber-based `timed`, so tests that move time decide it. The child is the only fiber an
 * attempt forks (`Effect.timeoutFail` forks two and a sleep). Interrupting the child, by the timer or the
 * caller, aborts the request whether it waits for headers or reads the body: the platform ties an
 * `AbortController` to both.
 *
 * @internal
 */
export const platformSend = (
  platform: PlatformOptions
): Effect.Effect<
  (
    send: Effect.Effect<HttpClientResponse.HttpClientResponse, unknown>,
    id: ApiTokenId,
    plan: Plan
  ) => Effect.Effect<TokenMeta, ApiTokensError>
> =>
  Effect.map(Effect.serviceOption(FetchHttpClient.RequestInit), (init) => {
    const { maxBodyBytes, scrub, timed } = platform
    const fetchInit: RequestInit = { ...Option.getOrElse(init, () => ({})), redirect: "manual" }
    const failed = transportError(scrub)

    // Set, never restored: the child ends with the attempt. Built once.
    const settings = FiberRef.set(Headers.currentRedactedNames, redactAllHeaders).pipe(
      Effect.zipRight(FiberRef.set(HttpClient.currentTracerDisabledWhen, always)),
      Effect.zipRight(
        FiberRef.update(FiberRef.currentContext, (context) =>
          Context.add(context, FetchHttpClient.RequestInit, fetchInit))
      )
    )

    const inChild = (send: Effect.Effect<HttpClientResponse.HttpClientResponse, unknown>, id: ApiTokenId) =>
      Effect.withFiberRuntime<TokenMeta, ApiTokensError>((fiber) => {
        const span = fiber.currentSpan
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        return Effect.flatMap(Effect.catchAll(send, failed), (response) => {
          if (span !== undefined && span._tag === "Span") {
            span.attribute("http.response.status_code", response.status)
          }
          return interpret(response, { id, maxBodyBytes, scrub }, clock)
        })
      })

    return (send, id, plan) =>
      Effect.withFiberRuntime<TokenMeta, ApiTokensError>((parent) => {
        const clock = Context.get(parent.currentDefaultServices, Clock.Clock)
        const live = ownsTimer(clock, plan.timeoutMillis)
        return Effect.flatMap(
          Effect.fork(Effect.exit(Effect.zipRight(settings, inChild(send, id)))),
          (child) =>
            live ? awaitChild(child, parent.id(), plan) : timed(awaitChild(child, parent.id(), undefined), plan)
        )
      })
  })

/**
 * The child's outcome, or the attempt's `Timeout` when `plan` is given and its timer fires first (the child is
 * then interrupted, which aborts its request). Leaving early (an interruption) interrupts the child too.
 */
const awaitChild = (
  child: Fiber.RuntimeFiber<Exit.Exit<TokenMeta, ApiTokensError>>,
  parent: FiberId.FiberId,
  plan: Plan | undefined
) =>
  Effect.async<TokenMeta, ApiTokensError>((resume) => {
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    child.addObserver((exit) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // The child ran `Effect.exit(...)`, so its own exit is a success holding the attempt's.
      resume(Exit.isSuccess(exit) ? exit.value : Exit.failCause(exit.cause))
    })
    if (plan !== undefined && !settled) {
      timer = setTimeout(() => {
        if (settled) return
        settled = true
        child.unsafeInterruptAsFork(parent)
        resume(Effect.fail(plan.attemptTimeout))
      }, plan.timeoutMillis)
    }
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
      child.unsafeInterruptAsFork(parent)
    })
  })

/**
 * One attempt through the platform pipeline: `client.execute` of the token request. The twin of
 * `leanAttempt`, which serves the exact clients our transports provide.
 *
 * @internal
 */
export const genericAttempt = (provided: HttpClient.HttpClient, platform: PlatformOptions) =>
  Effect.map(platformSend(platform), (send) => {
    const request = tokenRequest(platform)
    const { tokenUrl } = platform
    return (id: ApiTokenId, plan: Plan): Effect.Effect<TokenMeta, ApiTokensError> =>
      send(provided.execute(HttpClientRequest.setUrl(request, tokenUrl + id)), id, plan)
  })
