/**
 * CORS for the test servers (the simulator and the fault server), so a page in a real browser can call them:
 * the headers of a preflight answer and of every other answer. The real API serves servers, so both test servers
 * keep CORS off unless asked.
 *
 * @since 0.1.0
 */

/**
 * The response headers `ApiTokens` reads besides the body: the server's requested delay and its request id. A
 * cross-origin page sees them only when the server exposes them; hidden, the client backs off on its own and
 * reports no request id.
 *
 * @category constants
 * @since 0.1.0
 */
export const corsExposedHeaders: ReadonlyArray<string> = ["retry-after", "retry-after-ms", "x-request-id"]

/**
 * CORS settings.
 *
 * @category models
 * @since 0.1.0
 */
export interface Cors {
  /** The allowed origin. Default: the request's own `Origin`, so any page may call. */
  readonly origin?: string | undefined
  /** The response headers a page may read. Default {@link corsExposedHeaders}; `[]` hides them all. */
  readonly exposeHeaders?: ReadonlyArray<string> | undefined
}

/**
 * `true` as the default settings, `false` or `undefined` as off.
 *
 * @category constructors
 * @since 0.1.0
 */
export const corsOf = (option: boolean | Cors | undefined): Cors | undefined =>
  option === undefined || option === false ? undefined : option === true ? {} : option

/**
 * The headers every answer to a cross-origin request carries.
 *
 * @category headers
 * @since 0.1.0
 */
export const corsHeaders = (cors: Cors, requestOrigin: string | undefined): Record<string, string> => ({
  "access-control-allow-origin": cors.origin ?? requestOrigin ?? "*",
  "access-control-expose-headers": (cors.exposeHeaders ?? corsExposedHeaders).join(", "),
  vary: "origin"
})

/**
 * The headers of a `204` answer to a preflight (`OPTIONS`): `GET` with the headers the page asked to send.
 *
 * @category headers
 * @since 0.1.0
 */
export const preflightHeaders = (
  cors: Cors,
  requestOrigin: string | undefined,
  requestedHeaders: string | undefined
): Record<string, string> => ({
  ...corsHeaders(cors, requestOrigin),
  "access-control-allow-methods": "GET",
  "access-control-allow-headers": requestedHeaders ?? "authorization, accept",
  "access-control-max-age": "600"
})
