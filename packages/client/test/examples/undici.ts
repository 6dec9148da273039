import { ApiTokens } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Agent } from "@effect/platform-node/Undici"
import { Effect, Layer } from "effect"

// At most 128 connections, closed with the layer.
const Dispatcher = Layer.scoped(
  NodeHttpClient.Dispatcher,
  Effect.acquireRelease(
    Effect.sync(() => new Agent({ connections: 128 })),
    (agent) => Effect.promise(() => agent.destroy())
  )
)

export const MainLayer = ApiTokens.layerConfig().pipe(
  Layer.provide(UndiciTransport.layerWithoutDispatcher),
  Layer.provide(Dispatcher)
)
