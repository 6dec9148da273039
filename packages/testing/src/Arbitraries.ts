/**
 * fast-check arbitraries for the domain, for property tests of your own code against the fake.
 *
 * @since 0.1.0
 */
import { ApiTokenId, OrganizationRole, TokenMeta, ValidationErrorItem } from "@deepset-tokens/domain"
import * as Arbitrary from "effect/Arbitrary"
import * as DateTime from "effect/DateTime"
import * as fc from "effect/FastCheck"

/**
 * Any valid token id (lowercase, as the API returns them).
 *
 * @category arbitraries
 * @since 0.1.0
 */
export const apiTokenId: fc.Arbitrary<ApiTokenId> = Arbitrary.make(ApiTokenId)

/**
 * @category arbitraries
 * @since 0.1.0
 */
export const organizationRole: fc.Arbitrary<OrganizationRole> = Arbitrary.make(OrganizationRole)

/**
 * Any value the schema allows, edge cases included (empty names, odd Unicode, far-future expiry).
 *
 * @category arbitraries
 * @since 0.1.0
 */
export const tokenMeta: fc.Arbitrary<TokenMeta> = Arbitrary.make(TokenMeta)

/**
 * @category arbitraries
 * @since 0.1.0
 */
export const validationErrorItem: fc.Arbitrary<ValidationErrorItem> = Arbitrary.make(ValidationErrorItem)

const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Strings that are not a token id: random text, path tricks, and near misses built from real UUIDs (a
 * character off, braces, `urn:uuid:`, no hyphens, whitespace, one too many or too few).
 *
 * @category arbitraries
 * @since 0.1.0
 */
export const nonUuidString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", ".", "..", "/", "a/b", " ", "\n", "%2e%2e", "../../admin", "?x=1", "#frag", "x".repeat(10_000)),
  fc.uuid().chain((u) =>
    fc.oneof(
      fc.constant(` ${u}`),
      fc.constant(`${u}\n`),
      fc.constant(`{${u}}`),
      fc.constant(`urn:uuid:${u}`),
      fc.constant(u.replaceAll("-", "")),
      fc.constant(`${u}/..`),
      fc.constant(u.slice(1)),
      fc.constant(`${u}0`),
      fc.integer({ min: 0, max: 35 }).map((i) => `${u.slice(0, i)}g${u.slice(i + 1)}`)
    )
  )
).filter((s) => !canonicalUuid.test(s))

const firstNames = ["Ada", "Grace", "Alan", "Barbara", "Edsger", "Margaret", "Donald", "Frances", "Ken", "Radia"]
const lastNames = ["Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Hamilton", "Knuth", "Allen", "Thompson"]
const workspaceNames = ["production", "staging", "research", "support-bot", "legal-search", "default"]
const tokenNames = ["ci-pipeline", "support-bot", "nightly-eval", "analytics", "ingest", "playground", "mcp"]
const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

/**
 * Tokens that look like the real API's: a masked token `abcd****wxyz`, human names, a consistent role, and
 * workspaces; expiry within a year either side of `now`, or none.
 *
 * **Gotchas**
 *
 * `now` defaults to 2026-01-01, but inside `it.effect` the `TestClock` starts at 1970, where none of these
 * tokens is expired yet. Put the clock where the tokens are: `TestNow.setTo(TestNow.reference)` (the
 * default `now`), or generate relative to the instant `TestNow.setToWallClock` returns.
 *
 * @category arbitraries
 * @since 0.1.0
 */
export const realisticTokenMeta = (now: DateTime.Utc = DateTime.unsafeMake(Date.UTC(2026, 0, 1))): fc.Arbitrary<
  TokenMeta
> => {
  const char = fc.constantFrom(...alnum)
  const year = 365 * 24 * 3600 * 1000
  return fc.record({
    // Unbiased: fast-check's bias favours ids like 00000000-0000-1000-8000-00000000000a, which look fake.
    api_token_id: fc.noBias(apiTokenId),
    name: fc.constantFrom(...tokenNames),
    head: fc.array(char, { minLength: 4, maxLength: 4 }).map((cs) => cs.join("")),
    tail: fc.array(char, { minLength: 4, maxLength: 4 }).map((cs) => cs.join("")),
    expiresIn: fc.option(fc.integer({ min: -year, max: year }), { nil: undefined }),
    role: organizationRole,
    personal: fc.boolean(),
    given_name: fc.constantFrom(...firstNames),
    family_name: fc.constantFrom(...lastNames),
    all_workspaces: fc.boolean(),
    workspaces: fc.uniqueArray(fc.constantFrom(...workspaceNames), { maxLength: 3 })
  }).map((r): TokenMeta => ({
    api_token_id: r.api_token_id,
    name: r.name,
    masked_token: `${r.head}****${r.tail}`,
    personal: r.personal,
    expires: r.expiresIn !== undefined,
    expires_at: r.expiresIn === undefined ? null : DateTime.unsafeMake(DateTime.toEpochMillis(now) + r.expiresIn),
    user: { given_name: r.given_name, family_name: r.family_name },
    role: r.role,
    organization_role: r.role,
    all_workspaces: r.all_workspaces,
    workspaces: r.all_workspaces ? [] : r.workspaces.map((name) => ({ name }))
  }))
}
