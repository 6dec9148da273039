import * as Either from "effect/Either"
import { ApiTokensConfigError } from "../ApiTokensConfigError.js"

/** @internal */
export const regions = {
  eu: "https://api.cloud.deepset.ai",
  us: "https://api.us.deepset.ai"
} as const

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

/**
 * Resolves `baseUrl`/`region` to an origin plus optional path prefix, without a trailing `/` or `/api/v1`
 * (deepset's Python SDK puts `/api/v1` in its URL, so users will paste it).
 *
 * @internal
 */
export const resolveBaseUrl = (options: {
  readonly baseUrl?: string | URL | undefined
  readonly region?: "eu" | "us" | undefined
  readonly allowInsecureHttp?: boolean | undefined
}): Either.Either<string, ApiTokensConfigError> => {
  const fail = (reason: string) => Either.left(new ApiTokensConfigError({ field: "baseUrl", reason }))
  if (options.baseUrl !== undefined && options.region !== undefined) {
    return Either.left(
      new ApiTokensConfigError({ field: "region", reason: "give either baseUrl or region, not both" })
    )
  }
  if (options.region !== undefined && !Object.hasOwn(regions, options.region)) {
    return Either.left(
      new ApiTokensConfigError({
        field: "region",
        reason: `expected "eu" or "us", got ${JSON.stringify(options.region)}`
      })
    )
  }
  const raw = options.baseUrl === undefined ? regions[options.region ?? "eu"] : String(options.baseUrl)
  if (!URL.canParse(raw)) return fail(`not an absolute URL: ${JSON.stringify(raw.slice(0, 200))}`)
  const url = new URL(raw)
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return fail(`expected an http(s) URL, got ${url.protocol}`)
  }
  if (url.username !== "" || url.password !== "") {
    return fail("credentials in the URL are not allowed; pass the API key as apiKey")
  }
  if (url.search !== "" || url.hash !== "") return fail("the URL must not have a query or a fragment")
  if (url.protocol === "http:" && !isLoopback(url.hostname) && options.allowInsecureHttp !== true) {
    return fail(
      `plain http:// would send the API key unencrypted to ${url.host}; use https://, a loopback host, or set allowInsecureHttp: true`
    )
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/i, "").replace(/\/+$/, "")
  return Either.right(`${url.origin}${path}`)
}
