/**
 * The wire contract of the model, as one suite that runs against any way of reaching it: the socket-free
 * fake transport, or the simulator over real HTTP with any `HttpClient`. It sends raw requests (no
 * `ApiTokens`), so it sees exactly what a client in any language would: status, the headers that carry
 * meaning, and the body.
 */
import { TokenMeta } from "@deepset-tokens/domain"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, type Layer, type Redacted, Schema, type Scope } from "effect"
import type { FakeDeepsetApi } from "../src/index.js"

/** One way to reach the model: its handle to seed, the base URL, and the transport. */
export interface Target {
  readonly api: FakeDeepsetApi.Service
  readonly baseUrl: string
  readonly client: Layer.Layer<HttpClient.HttpClient>
}

/** What a client sees of one answer; the request id is reduced to its shape, as ids differ per target. */
export interface Outcome {
  readonly status: number
  readonly contentType: string | undefined
  readonly wwwAuthenticate: string | undefined
  readonly allow: string | undefined
  readonly hasRequestId: boolean
  readonly body: unknown
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const send = (target: Target, request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(
    HttpClient.HttpClient,
    (client) =>
      Effect.flatMap(client.execute(HttpClientRequest.prependUrl(request, target.baseUrl)), (response) =>
        Effect.map(response.text, (text): Outcome => ({
          status: response.status,
          contentType: response.headers["content-type"]?.split(";")[0],
          wwwAuthenticate: response.headers["www-authenticate"],
          allow: response.headers["allow"],
          hasRequestId: response.headers["x-request-id"] !== undefined,
          body: parse(text)
        })))
  ).pipe(Effect.scoped, Effect.provide(target.client))

/** The requests of the contract, each named, in the order they are sent. */
export const requests = (token: TokenMeta, key: Redacted.Redacted<string>) => {
  const path = `/api/v1/token/${token.api_token_id}`
  const authed = (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.bearerToken(request, key)
  return [
    ["found", authed(HttpClientRequest.get(path))],
    ["found, upper-case id", authed(HttpClientRequest.get(`/api/v1/token/${token.api_token_id.toUpperCase()}`))],
    ["found, 32-digit id", authed(HttpClientRequest.get(`/api/v1/token/${token.api_token_id.replaceAll("-", "")}`))],
    ["unknown id", authed(HttpClientRequest.get("/api/v1/token/00000000-0000-4000-8000-000000000000"))],
    ["malformed id", authed(HttpClientRequest.get("/api/v1/token/not-a-uuid"))],
    ["id one digit short", authed(HttpClientRequest.get(path.slice(0, -1)))],
    ["no key", HttpClientRequest.get(path)],
    ["wrong key", HttpClientRequest.bearerToken(HttpClientRequest.get(path), "api_wrong_key")],
    ["not bearer", HttpClientRequest.setHeader(HttpClientRequest.get(path), "authorization", "Basic abc")],
    ["POST", authed(HttpClientRequest.post(path))],
    ["other path", authed(HttpClientRequest.get("/api/v1/tokens"))]
  ] as const
}

/** Seeds `token`, sends every request of the contract, and returns what came back, by name. */
export const run = (
  target: Target,
  token: TokenMeta
): Effect.Effect<Record<string, Outcome>, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    yield* target.api.seed(token)
    const out: Record<string, Outcome> = {}
    for (const [name, request] of requests(token, target.api.apiKey)) {
      out[name] = yield* send(target, request)
    }
    return out
  })

const encode = Schema.encodeSync(TokenMeta)

/** What every target must answer, by name, whichever way the model is reached. */
export const expected = (token: TokenMeta): Record<string, Partial<Outcome>> => {
  const ok = { status: 200, contentType: "application/json", hasRequestId: true, body: encode(token) }
  const unauthorized = { status: 401, contentType: "application/json", wwwAuthenticate: "Bearer" }
  const uuidParsing = { status: 422, contentType: "application/json" }
  return {
    "found": ok,
    "found, upper-case id": ok,
    "found, 32-digit id": ok,
    "unknown id": { status: 404, contentType: "application/json", body: { detail: "Token not found" } },
    "malformed id": uuidParsing,
    "id one digit short": uuidParsing,
    "no key": { ...unauthorized, body: { detail: "Not authenticated" } },
    "wrong key": { ...unauthorized, body: { detail: "Invalid API key" } },
    "not bearer": { ...unauthorized, body: { detail: "Not authenticated" } },
    "POST": { status: 405, allow: "GET" },
    "other path": { status: 404, body: { detail: "Not Found" } }
  }
}
