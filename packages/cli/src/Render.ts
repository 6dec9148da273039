/**
 * The human-readable summary of a token.
 *
 * @since 0.1.0
 */
import type { TokenMeta } from "@deepset-tokens/client"
import * as DateTime from "effect/DateTime"

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`

/**
 * "in 12 days", "expired 3 days ago", "in 5 hours"...
 *
 * @category utils
 * @since 0.1.0
 */
export const relative = (at: DateTime.DateTime, now: DateTime.DateTime): string => {
  const ms = DateTime.toEpochMillis(at) - DateTime.toEpochMillis(now)
  const abs = Math.abs(ms)
  const minute = 60_000
  const hour = 60 * minute
  const day = 24 * hour
  const span = abs >= day
    ? plural(Math.floor(abs / day), "day")
    : abs >= hour
    ? plural(Math.floor(abs / hour), "hour")
    : plural(Math.max(1, Math.floor(abs / minute)), "minute")
  return ms > 0 ? `in ${span}` : `expired ${span} ago`
}

/**
 * @category utils
 * @since 0.1.0
 */
export const summary = (meta: TokenMeta, now: DateTime.DateTime): string => {
  const expiry = meta.expires && meta.expires_at !== null
    ? `${DateTime.formatIso(meta.expires_at).slice(0, 16).replace("T", " ")} UTC (${relative(meta.expires_at, now)})`
    : "never"
  const workspaces = meta.all_workspaces
    ? "all workspaces"
    : meta.workspaces.length === 0
    ? "none"
    : meta.workspaces.map((w) => w.name).join(", ")
  const rows: ReadonlyArray<readonly [string, string]> = [
    ["Name", meta.name],
    ["Token", meta.masked_token],
    ["Id", meta.api_token_id],
    ["Role", meta.organization_role],
    ["Type", meta.personal ? "personal" : "service"],
    ["Owner", `${meta.user.given_name} ${meta.user.family_name}`.trim()],
    ["Workspaces", workspaces],
    ["Expires", expiry]
  ]
  return rows.map(([k, v]) => `${k.padEnd(11)}${v}`).join("\n")
}
