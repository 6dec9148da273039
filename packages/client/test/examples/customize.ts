import { ApiTokens } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Layer } from "effect"

// A header on every request. A request-side customization like this one keeps the transport's lean path.
const Tagged = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, HttpClient.mapRequest(HttpClientRequest.setHeader("x-team", "billing")))
).pipe(Layer.provide(UndiciTransport.layer))

export const MainLayer = ApiTokens.layerConfig().pipe(Layer.provide(Tagged))
