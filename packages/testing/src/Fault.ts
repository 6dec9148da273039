/**
 * Faults a `FakeDeepsetApi` can be scripted to answer with, one per incoming request, before its model runs.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"

/**
 * - `Respond`: any status (100-599) with any body and headers.
 * - `BrokenBody`: the status and headers arrive, then the body breaks after `prefix` (a reset mid-body).
 * - `Disconnect`: no response at all; the transport fails with `reason` (refused, reset, DNS).
 * - `Delay`: wait `duration` (driven by the `Clock`, so the `TestClock` in tests), then answer with `then`,
 *   or with the model when `then` is undefined. A delay belongs to the one request that took it: a request
 *   abandoned mid-delay never takes a fault meant for a later request.
 *
 * @category models
 * @since 0.1.0
 */
export type Fault = Data.TaggedEnum<{
  Respond: {
    readonly status: number
    readonly body: string
    readonly headers: Readonly<Record<string, string>>
  }
  BrokenBody: {
    readonly status: number
    readonly prefix: string
    readonly headers: Readonly<Record<string, string>>
  }
  Disconnect: { readonly reason: string }
  Delay: { readonly duration: Duration.DurationInput; readonly then: Fault | undefined }
}>

const { $is, $match, BrokenBody, Delay, Disconnect, Respond } = Data.taggedEnum<Fault>()

export {
  /**
   * @category guards
   * @since 0.1.0
   */
  $is,
  /**
   * @category pattern matching
   * @since 0.1.0
   */
  $match,
  /**
   * @category constructors
   * @since 0.1.0
   */
  BrokenBody,
  /**
   * @category constructors
   * @since 0.1.0
   */
  Delay,
  /**
   * @category constructors
   * @since 0.1.0
   */
  Disconnect,
  /**
   * @category constructors
   * @since 0.1.0
   */
  Respond
}

/**
 * Answer with `status`, a body (a string is sent as is, anything else as JSON) and headers.
 *
 * @example
 * ```ts
 * import { Fault } from "@deepset-tokens/testing"
 *
 * Fault.status(429, { detail: "slow down" }, { "retry-after": "2" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const status = (
  code: number,
  body: unknown = "",
  headers: Readonly<Record<string, string>> = {}
): Fault =>
  typeof body === "string"
    ? Respond({ status: code, body, headers })
    : Respond({ status: code, body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } })

/**
 * The transport fails before any response, as with a refused or reset connection.
 *
 * @category constructors
 * @since 0.1.0
 */
export const disconnect = (reason = "connect ECONNREFUSED 127.0.0.1:443"): Fault => Disconnect({ reason })

/**
 * Wait before answering, then answer with `then` (default: the model).
 *
 * @example
 * ```ts
 * import { Fault } from "@deepset-tokens/testing"
 *
 * Fault.delay("30 seconds", Fault.status(503))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const delay = (duration: Duration.DurationInput, then?: Fault): Fault => Delay({ duration, then })
