// A TypeScript app as a user writes it against the installed packages, type-checked with `module: nodenext` and
// `skipLibCheck: false`: our published declarations must compile in a strict consumer, not only in the workspace.
import { ApiTokens, type ApiTokensError, FetchTransport, isExpiredAt, type TokenMeta } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { Arbitraries, FakeDeepsetApi } from "@deepset-tokens/testing"
import { DateTime, Effect, FastCheck, Layer } from "effect"

const check = (id: string): Effect.Effect<boolean, ApiTokensError, ApiTokens> =>
  Effect.gen(function*() {
    const tokens = yield* ApiTokens
    const meta: TokenMeta = yield* tokens.retrieve(id)
    return !isExpiredAt(meta, yield* DateTime.now)
  })

export const onFetch = check("3f2504e0-4f89-11d3-9a0c-0305e82c3301").pipe(
  Effect.provide(ApiTokens.layerConfig().pipe(Layer.provide(FetchTransport.layer)))
)
export const onUndici = check("3f2504e0-4f89-11d3-9a0c-0305e82c3301").pipe(
  Effect.provide(ApiTokens.layerConfig().pipe(Layer.provide(UndiciTransport.layer)))
)
export const onTheFake = check("3f2504e0-4f89-11d3-9a0c-0305e82c3301").pipe(
  Effect.provide(ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey }).pipe(Layer.provide(FakeDeepsetApi.layer())))
)
export const sample: ReadonlyArray<TokenMeta> = FastCheck.sample(Arbitraries.tokenMeta, 1)
