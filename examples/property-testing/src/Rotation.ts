/**
 * Your own code, under test: which deepset API tokens need rotating, most urgent first.
 *
 * @since 0.1.0
 */
import { ApiTokens, type ApiTokensError, expiresWithin, isExpiredAt, type TokenMeta } from "@deepset-tokens/client"
import { DateTime, Duration, Effect, Either, Order } from "effect"

/**
 * @category models
 * @since 0.1.0
 */
export interface Policy {
  /** Rotate a token that expires within this window. */
  readonly rotateWithin: Duration.DurationInput
  /** Rotate admin tokens that never expire: an admin key should not live forever. */
  readonly adminsMustExpire: boolean
}

/**
 * Why a token is in the plan, most urgent first.
 *
 * @category models
 * @since 0.1.0
 */
export type Reason = "expired" | "expires-soon" | "admin-never-expires"

/**
 * @category models
 * @since 0.1.0
 */
export interface Rotation {
  readonly token: TokenMeta
  readonly reason: Reason
}

const rank: Record<Reason, number> = { "expired": 0, "expires-soon": 1, "admin-never-expires": 2 }

const expiryMillis = (token: TokenMeta) =>
  token.expires && token.expires_at !== null ? DateTime.toEpochMillis(token.expires_at) : Infinity

/** By reason, then the earliest expiry first, then by id so the order is total. */
const byUrgency: Order.Order<Rotation> = Order.combineAll([
  Order.mapInput(Order.number, (r: Rotation) => rank[r.reason]),
  Order.mapInput(Order.number, (r: Rotation) => expiryMillis(r.token)),
  Order.mapInput(Order.string, (r: Rotation) => r.token.api_token_id)
])

/**
 * Why `token` needs rotating at `now`, if it does.
 *
 * @category planning
 * @since 0.1.0
 */
export const reasonFor = (token: TokenMeta, now: DateTime.DateTime, policy: Policy): Reason | undefined => {
  if (isExpiredAt(token, now)) return "expired"
  if (expiresWithin(token, policy.rotateWithin, now)) return "expires-soon"
  if (policy.adminsMustExpire && token.organization_role === "ADMIN" && expiryMillis(token) === Infinity) {
    return "admin-never-expires"
  }
  return undefined
}

/**
 * The tokens that need rotating at `now`, most urgent first: expired (longest expired first), expiring
 * soon (soonest first), then admin tokens that never expire. A pure function: easy to property-test.
 *
 * @category planning
 * @since 0.1.0
 */
export const rotationPlan = (
  tokens: Iterable<TokenMeta>,
  now: DateTime.DateTime,
  policy: Policy
): ReadonlyArray<Rotation> => {
  const plan: Array<Rotation> = []
  for (const token of tokens) {
    const reason = reasonFor(token, now, policy)
    if (reason !== undefined) plan.push({ token, reason })
  }
  return plan.sort(byUrgency)
}

/**
 * The plan for tokens looked up by id through `ApiTokens`, at the `Clock`'s now, and the lookups that failed.
 *
 * @category planning
 * @since 0.1.0
 */
export const planFor = (
  ids: Iterable<string>,
  policy: Policy
): Effect.Effect<
  { readonly plan: ReadonlyArray<Rotation>; readonly failed: ReadonlyArray<ApiTokensError> },
  never,
  ApiTokens
> =>
  Effect.gen(function*() {
    const tokens = yield* ApiTokens
    const results = yield* Effect.forEach(ids, (id) => Effect.either(tokens.retrieve(id)), { concurrency: 4 })
    const found = results.filter(Either.isRight).map((r) => r.right)
    const failed = results.filter(Either.isLeft).map((r) => r.left)
    return { plan: rotationPlan(found, yield* DateTime.now, policy), failed }
  })

/**
 * @category constants
 * @since 0.1.0
 */
export const defaultPolicy: Policy = { rotateWithin: Duration.days(14), adminsMustExpire: true }
