import { ApiTokens } from "@deepset-tokens/client"
import * as ProxyTransport from "@deepset-tokens/client/ProxyTransport"
import { Effect, Layer, Redacted } from "effect"

// Through an HTTP proxy on undici's ProxyAgent; ProxyTransport.layerUndiciConfig() reads HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY instead, and layerFetch / layerFetchConfig do the same on Node's fetch.
const live = ApiTokens.layerConfig().pipe(
  Layer.provide(
    ProxyTransport.layerUndici({
      url: Redacted.make("http://user:secret@proxy.internal:3128"),
      noProxy: "localhost,127.0.0.1,.internal"
    })
  )
)

const program = Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))

export const main = program.pipe(Effect.provide(live))
