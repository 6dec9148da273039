/**
 * The ways in that take our transports' lean GET, for the tables of tests that prove a lean-path guarantee:
 * each transport's own client, and the same client derived with `HttpClient.mapRequest` (a header added),
 * which keeps the lean GET and sends the mapped request on it.
 */
import { FetchTransport } from "@deepset-tokens/client"
import * as UndiciTransport from "@deepset-tokens/client/UndiciTransport"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Layer } from "effect"

/** The header the derived clients add: a test can check that it arrived. */
export const derivedHeader = { name: "x-derived-by", value: "mapRequest" } as const

/** `transport`'s client, derived with `f`: what a user writes to customize it. */
export const deriveWith = <E>(
  transport: Layer.Layer<HttpClient.HttpClient, E>,
  f: (client: HttpClient.HttpClient) => HttpClient.HttpClient
): Layer.Layer<HttpClient.HttpClient, E> =>
  Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, f)).pipe(Layer.provide(transport))

/** `transport`'s client with {@link derivedHeader} added by `HttpClient.mapRequest`. */
export const derive = (transport: Layer.Layer<HttpClient.HttpClient>): Layer.Layer<HttpClient.HttpClient> =>
  deriveWith(transport, HttpClient.mapRequest(HttpClientRequest.setHeader(derivedHeader.name, derivedHeader.value)))

export const leanTransports = [
  ["FetchTransport", FetchTransport.layer],
  ["UndiciTransport", UndiciTransport.layer],
  ["FetchTransport + mapRequest", derive(FetchTransport.layer)],
  ["UndiciTransport + mapRequest", derive(UndiciTransport.layer)]
] as const
