import { version } from "./version.js"

/** @internal */
export const userAgent = `deepset-tokens/${version} (@deepset-tokens/client)`
