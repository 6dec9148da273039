/**
 * One wire contract, three ways to reach the model: the socket-free fake transport, and the simulator over
 * real HTTP with the fetch and the undici transports. Each must answer as the contract says, and all three
 * must answer alike, so socket tests and socket-free tests cannot drift apart.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer, type Scope } from "effect"
import { Arbitraries, FakeDeepsetApi, Simulator } from "../src/index.js"
import * as Contract from "./wireContract.js"

const targets: ReadonlyArray<readonly [string, Effect.Effect<Contract.Target, unknown, Scope.Scope>]> = [
  [
    "the fake transport (no socket)",
    Effect.map(FakeDeepsetApi.make(), (api) => ({
      api,
      baseUrl: "https://api.cloud.deepset.ai",
      client: Layer.succeed(HttpClient.HttpClient, FakeDeepsetApi.httpClient(api))
    }))
  ],
  [
    "the simulator over fetch",
    Effect.map(Simulator.make({ tokens: 0, log: false }), (sim) => ({
      api: sim.api,
      baseUrl: sim.url,
      client: FetchHttpClient.layer
    }))
  ],
  [
    "the simulator over undici",
    Effect.map(Simulator.make({ tokens: 0, log: false }), (sim) => ({
      api: sim.api,
      baseUrl: sim.url,
      client: NodeHttpClient.layerUndici
    }))
  ]
]

// Anything the schema allows (odd Unicode, empty names, far-off dates), and realistic tokens.
const tokens = [
  ...fc.sample(Arbitraries.tokenMeta, { numRuns: 6, seed: 4242 }),
  ...fc.sample(Arbitraries.realisticTokenMeta(), { numRuns: 2, seed: 7 })
]

describe("the wire contract", () => {
  const results = new Map<string, ReadonlyArray<Record<string, Contract.Outcome>>>()

  for (const [name, build] of targets) {
    it.scopedLive(`holds over ${name}`, () =>
      Effect.gen(function*() {
        const target = yield* build
        const outcomes: Array<Record<string, Contract.Outcome>> = []
        for (const token of tokens) {
          const outcome = yield* Contract.run(target, token)
          const expected = Contract.expected(token)
          for (const [request, want] of Object.entries(expected)) {
            expect({ request, ...outcome[request] }).toMatchObject({ request, ...want })
          }
          outcomes.push(outcome)
        }
        // FastAPI's uuid_parsing detail, item by item.
        const first = outcomes[0]?.["malformed id"]?.body
        expect(first).toEqual({
          detail: [
            expect.objectContaining({ type: "uuid_parsing", loc: ["path", "api_token_id"], input: "not-a-uuid" })
          ]
        })
        results.set(name, outcomes)
      }))
  }

  it("gives the same answers every way", () => {
    const [reference, ...others] = targets.map(([name]) => results.get(name))
    expect(reference).toHaveLength(tokens.length)
    for (const other of others) expect(other).toEqual(reference)
  })
})
