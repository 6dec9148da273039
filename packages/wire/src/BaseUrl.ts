/**
 * Base-URL rules: which URLs the API key may be sent to, and the origin plus path prefix they resolve to.
 *
 * @since 0.1.0
 */

/**
 * The deepset regions and their API origins.
 *
 * @category constants
 * @since 0.1.0
 */
export const regions = {
  eu: "https://api.cloud.deepset.ai",
  us: "https://api.us.deepset.ai"
} as const

/**
 * @category models
 * @since 0.1.0
 */
export interface BaseUrlOptions {
  readonly baseUrl?: string | URL | undefined
  readonly region?: "eu" | "us" | undefined
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * The resolved base URL, or the option at fault and why.
 *
 * @category models
 * @since 0.1.0
 */
export type BaseUrlResult =
  | { readonly _tag: "Resolved"; readonly baseUrl: string }
  | { readonly _tag: "Invalid"; readonly field: "baseUrl" | "region"; readonly reason: string }

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

const invalid = (field: "baseUrl" | "region", reason: string): BaseUrlResult => ({ _tag: "Invalid", field, reason })

/**
 * Resolves `baseUrl`/`region` to an origin plus optional path prefix, without a trailing `/` or `/api/v1`
 * (deepset's Python SDK puts `/api/v1` in its URL, so users will paste it).
 *
 * **Details**
 *
 * Refuses both options at once, an unknown region, a relative or non-http(s) URL, credentials, a query or a
 * fragment, and plain `http://` to a host that is not loopback unless `allowInsecureHttp` is set.
 *
 * @example
 * ```ts
 * import { resolveBaseUrl } from "@deepset-tokens/wire"
 *
 * resolveBaseUrl({ baseUrl: "https://api.cloud.deepset.ai/api/v1/" })
 * // { _tag: "Resolved", baseUrl: "https://api.cloud.deepset.ai" }
 * ```
 *
 * @category resolving
 * @since 0.1.0
 */
export const resolveBaseUrl = (options: BaseUrlOptions): BaseUrlResult => {
  if (options.baseUrl !== undefined && options.region !== undefined) {
    return invalid("region", "give either baseUrl or region, not both")
  }
  if (options.region !== undefined && !Object.hasOwn(regions, options.region)) {
    return invalid("region", `expected "eu" or "us", got ${JSON.stringify(options.region)}`)
  }
  const raw = options.baseUrl === undefined ? regions[options.region ?? "eu"] : String(options.baseUrl)
  if (!URL.canParse(raw)) return invalid("baseUrl", `not an absolute URL: ${JSON.stringify(raw.slice(0, 200))}`)
  const url = new URL(raw)
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return invalid("baseUrl", `expected an http(s) URL, got ${url.protocol}`)
  }
  if (url.username !== "" || url.password !== "") {
    return invalid("baseUrl", "credentials in the URL are not allowed; pass the API key as apiKey")
  }
  if (url.search !== "" || url.hash !== "") return invalid("baseUrl", "the URL must not have a query or a fragment")
  if (url.protocol === "http:" && !isLoopback(url.hostname) && options.allowInsecureHttp !== true) {
    return invalid(
      "baseUrl",
      `plain http:// would send the API key unencrypted to ${url.host}; use https://, a loopback host, or set allowInsecureHttp: true`
    )
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/i, "").replace(/\/+$/, "")
  return { _tag: "Resolved", baseUrl: `${url.origin}${path}` }
}
