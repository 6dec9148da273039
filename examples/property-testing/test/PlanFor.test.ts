import { ApiTokens } from "@deepset-tokens/client"
import { Arbitraries, FakeDeepsetApi, TestNow } from "@deepset-tokens/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { defaultPolicy, planFor, rotationPlan } from "../src/Rotation.js"

// Seeded into the fake, then looked up through ApiTokens: the effectful wrapper against the pure plan.
const fleet = fc.uniqueArray(Arbitraries.realisticTokenMeta(TestNow.reference), {
  maxLength: 15,
  selector: (t) => t.api_token_id
})

describe("planFor", () => {
  it.effect.prop(
    "on the fake, gives the pure plan at the clock's now, and reports the ids it could not find",
    [fleet, fc.uniqueArray(Arbitraries.apiTokenId, { maxLength: 3 })],
    ([tokens, unknown]) =>
      Effect.gen(function*() {
        // The TestClock starts at 1970, where nothing has expired: start where the tokens were made.
        yield* TestNow.setTo(TestNow.reference)
        yield* (yield* FakeDeepsetApi.FakeDeepsetApi).seed(...tokens)
        const missing = unknown.filter((id) => !tokens.some((t) => t.api_token_id === id))
        const { failed, plan } = yield* planFor([...tokens.map((t) => t.api_token_id), ...missing], defaultPolicy)
        expect(plan).toEqual(rotationPlan(tokens, TestNow.reference, defaultPolicy))
        expect(failed.map((e) => e._tag)).toEqual(missing.map(() => "TokenNotFound"))
      }).pipe(
        Effect.provide(FakeDeepsetApi.layerFor(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, retry: false })))
      ),
    { fastCheck: { numRuns: 30 } }
  )
})
