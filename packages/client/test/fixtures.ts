import { ApiTokens } from "@deepset-tokens/client"
import { FakeDeepsetApi } from "@deepset-tokens/testing"
import { Layer } from "effect"

/** A fresh fake and a client on it. Build it per test: the fake is stateful. */
export const fakeClient = (options: Partial<ApiTokens.Options> = {}) =>
  ApiTokens.layer({ apiKey: FakeDeepsetApi.defaultApiKey, ...options }).pipe(
    Layer.provideMerge(FakeDeepsetApi.layer())
  )

export const apiKeyText = "api_fake_0123456789abcdef"
