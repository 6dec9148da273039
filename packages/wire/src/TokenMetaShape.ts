/**
 * The fast shape check of a token's metadata: a parsed JSON value that certainly satisfies the `TokenMeta`
 * schema, built by hand. The schema stays the one definition of the rules (in the domain package); this is
 * the fast path, held equal to it by the domain's property tests.
 *
 * @since 0.1.0
 */
import { parseIsoInstantMillis } from "./IsoInstant.js"

/**
 * A token's metadata as the schema decodes it, with `expires_at` as whatever `instant` made of its epoch
 * milliseconds.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenMetaShape<Instant> {
  readonly all_workspaces: boolean
  readonly api_token_id: string
  readonly expires: boolean
  readonly expires_at: Instant | null
  readonly masked_token: string
  readonly name: string
  readonly organization_role: "ADMIN" | "MEMBER" | "EXTERNAL"
  readonly personal: boolean
  readonly role: string
  readonly user: { readonly given_name: string; readonly family_name: string }
  readonly workspaces: ReadonlyArray<{ readonly name: string }>
}

// The same pattern as the schema's UUID.
const uuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/i

// As the schema's structs: an object, not an array.
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The token metadata in `u`, built by hand, or `undefined` at the first doubt.
 *
 * **Details**
 *
 * Key order and every value are what the schema's decoder builds (`all_workspaces` defaults to `false`);
 * unknown keys are dropped, as it does. `undefined` does not say the value is invalid, only that this check
 * cannot vouch for it: the caller then decodes with the schema, which gives the one true error.
 *
 * `instant` turns `expires_at`'s epoch milliseconds into the caller's date type; pass a function defined
 * once, not a fresh closure per call.
 *
 * @category decoding
 * @since 0.1.0
 */
export const checkTokenMetaShape = <Instant>(
  u: unknown,
  instant: (epochMillis: number) => Instant
): TokenMetaShape<Instant> | undefined => {
  if (!isRecord(u)) return undefined
  const { all_workspaces, api_token_id, expires, expires_at, user, workspaces } = u
  const { masked_token, name, organization_role, personal, role } = u
  if (
    typeof api_token_id !== "string" || !uuid.test(api_token_id) ||
    typeof expires !== "boolean" || typeof personal !== "boolean" ||
    typeof masked_token !== "string" || typeof name !== "string" || typeof role !== "string" ||
    (organization_role !== "ADMIN" && organization_role !== "MEMBER" && organization_role !== "EXTERNAL") ||
    (all_workspaces !== undefined && typeof all_workspaces !== "boolean") ||
    !isRecord(user) || typeof user.given_name !== "string" || typeof user.family_name !== "string" ||
    !Array.isArray(workspaces)
  ) return undefined
  let expiresAt: Instant | null = null
  if (expires_at !== null) {
    if (typeof expires_at !== "string") return undefined
    const millis = parseIsoInstantMillis(expires_at)
    if (millis === undefined) return undefined
    expiresAt = instant(millis)
  }
  const names: Array<{ readonly name: string }> = new Array(workspaces.length)
  for (let i = 0; i < workspaces.length; i++) {
    const workspace: unknown = workspaces[i]
    if (!isRecord(workspace) || typeof workspace.name !== "string") return undefined
    names[i] = { name: workspace.name }
  }
  return {
    all_workspaces: all_workspaces ?? false,
    api_token_id,
    expires,
    expires_at: expiresAt,
    masked_token,
    name,
    organization_role,
    personal,
    role,
    user: { given_name: user.given_name, family_name: user.family_name },
    workspaces: names
  }
}
