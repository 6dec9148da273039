import fc from "fast-check"
import { Agent } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LeanGet, type LeanResponse, makeFetchGet, tooLarge } from "../src/index.js"
import { listenScriptServer, type ScriptServer, type SocketScript } from "../src/SocketScript.js"
import { makeUndiciGet } from "../src/UndiciGet.js"

type Result = { readonly _tag: "Response"; readonly response: LeanResponse } | {
  readonly _tag: "Error"
  readonly cause: unknown
}

let server: ScriptServer
let agent: Agent
let transports: ReadonlyArray<readonly [string, LeanGet]>

beforeAll(async () => {
  server = await listenScriptServer()
  agent = new Agent()
  transports = [["fetch", makeFetchGet(globalThis.fetch, {})], ["undici", makeUndiciGet(agent)]]
})

afterAll(async () => {
  await agent.close()
  await server.close()
})

const send = (get: LeanGet, maxBodyBytes = 4096, path = "/api/v1/token/x"): Promise<Result> =>
  new Promise((resolve) => {
    get(
      { origin: server.url, path, headers: { authorization: "Bearer k" }, maxBodyBytes },
      (response) => resolve({ _tag: "Response", response }),
      (cause) => resolve({ _tag: "Error", cause })
    )
  })

/** Each transport's result for the same scripted answer. */
const both = async (step: SocketScript, maxBodyBytes?: number) => {
  const results: Array<Result> = []
  for (const [, get] of transports) {
    server.script(step)
    results.push(await send(get, maxBodyBytes))
  }
  return results
}

const bodyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }).map((s) => `\uFEFF${s}`),
  fc.jsonValue().map((v) => JSON.stringify(v))
)

describe("the lean GETs", () => {
  it("read the same status, headers and text on fetch and undici, chunked or not, BOM dropped", async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, fc.boolean(), fc.constantFrom(200, 404, 422, 503), async (body, chunked, status) => {
        const results = await both({ _tag: "Respond", status, headers: { "x-request-id": "r-1" }, body, chunked })
        const expected = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
        for (const result of results) {
          expect(result._tag).toBe("Response")
          if (result._tag !== "Response") return
          expect(result.response.status).toBe(status)
          expect(result.response.header("x-request-id")).toBe("r-1")
          expect(result.response.body).toEqual({ text: expected, truncated: false, broken: undefined })
        }
      }),
      { numRuns: 40 }
    )
  })

  it("refuse a body over the cap, declared or streamed, without reading it", async () => {
    for (const chunked of [false, true]) {
      for (const result of await both({ _tag: "Respond", status: 200, body: "x".repeat(5000), chunked }, 1000)) {
        expect(result).toMatchObject({ _tag: "Response", response: { status: 200, body: tooLarge } })
      }
    }
    for (const result of await both({ _tag: "Endless", status: 200 }, 1000)) {
      expect(result).toMatchObject({ _tag: "Response", response: { body: tooLarge } })
    }
  })

  it("report a reset before the answer as no response, and one mid-body as a broken body", async () => {
    for (const result of await both({ _tag: "Reset" })) expect(result._tag).toBe("Error")
    for (const result of await both({ _tag: "ResetMidBody", status: 200, prefix: "{\"a\"" })) {
      expect(result._tag).toBe("Response")
      if (result._tag === "Response") expect(result.response.body.broken).toEqual(expect.any(String))
    }
  })

  it("answer a redirect with the 3xx itself, never following it", async () => {
    const before = server.requests().length
    for (const result of await both({ _tag: "Respond", status: 302, headers: { location: "http://localhost:1/x" } })) {
      expect(result).toMatchObject({ _tag: "Response", response: { status: 302 } })
    }
    expect(server.requests().length - before).toBe(2)
  })

  it("abort at any stage: the server sees its answer abandoned", async () => {
    for (const [, get] of transports) {
      server.script({ _tag: "StallBody", status: 200, prefix: "{" })
      const seen = server.requests().length
      const abort = get(
        { origin: server.url, path: "/", headers: {}, maxBodyBytes: 4096 },
        () => {},
        () => {}
      )
      while (server.requests().length === seen) await new Promise((resolve) => setTimeout(resolve, 5))
      abort()
      while (server.inFlight() > 0) await new Promise((resolve) => setTimeout(resolve, 5))
      expect(server.inFlight()).toBe(0)
    }
  })

  it("report a fetch that throws, or a dispatcher that throws, through onError", async () => {
    const boom = new Error("boom")
    const throwing: ReadonlyArray<LeanGet> = [
      makeFetchGet(() => {
        throw boom
      }, {}),
      makeUndiciGet({
        dispatch: () => {
          throw boom
        }
      })
    ]
    for (const get of throwing) expect(await send(get)).toEqual({ _tag: "Error", cause: boom })
  })
})
