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
  transports = [
    // Node's own fetch with nothing that changes the request: dispatched directly on fetch's dispatcher.
    ["fetch, direct", makeFetchGet(globalThis.fetch, {})],
    // An init field the direct path does not replicate keeps the GET on fetch: text() for a declared body.
    ["fetch, text()", makeFetchGet(globalThis.fetch, { keepalive: false })],
    // A fetch of one's own (a wrapper, a mock): always the counting reader.
    ["fetch, reader", makeFetchGet((input, init) => globalThis.fetch(input, init), {})],
    ["undici", makeUndiciGet(agent)]
  ]
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
    expect(server.requests().length - before).toBe(transports.length)
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

  it("refuse a declared length over the cap at once, before any of the body arrives", async () => {
    // The server declares a gigabyte and keeps sending: only a refusal at the headers ends this.
    for (const result of await both({ _tag: "Endless", status: 200, contentLength: 2 ** 30 }, 1000)) {
      expect(result).toMatchObject({ _tag: "Response", response: { status: 200, body: tooLarge } })
    }
    // Refused at the headers: the connection closes, so the server's endless answer ends too.
    while (server.inFlight() > 0) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(server.inFlight()).toBe(0)
  })

  it("ask for no encoding, so a server that honours it sends the body as it is", async () => {
    const body = JSON.stringify({ a: "b".repeat(300) })
    for (const result of await both({ _tag: "Gzip", status: 200, body })) {
      expect(result).toMatchObject({ _tag: "Response", response: { body: { text: body, truncated: false } } })
      if (result._tag === "Response") expect(result.response.header("content-encoding")).toBeUndefined()
    }
  })

  it("count decoded bytes of an encoded body: a gzip bomb stops at the cap, a small gzip body reads whole", async () => {
    // A server that encodes anyway (or a browser, which drops the client's `identity`). fetch decodes, and
    // its readers count what it hands over; undici hands over the bytes as they came, with the header that
    // says they are encoded (the client then refuses them as not JSON), so both stay under the cap.
    const decodes = (name: string) => name.startsWith("fetch") && name !== "fetch, direct"
    const bomb = `"${" ".repeat(4 * 1024 * 1024)}"`
    const small = JSON.stringify({ a: "b".repeat(300) })
    const bombs = await both({ _tag: "Gzip", status: 200, body: bomb, always: true }, 64 * 1024)
    const smalls = await both({ _tag: "Gzip", status: 200, body: `\uFEFF${small}`, always: true }, 4096)
    for (const [i, [name]] of transports.entries()) {
      const [big, little] = [bombs[i]!, smalls[i]!]
      if (big._tag !== "Response" || little._tag !== "Response") throw new Error(`${name}: no response`)
      if (decodes(name)) {
        expect(big.response.body).toBe(tooLarge)
        expect(little.response.body).toEqual({ text: small, truncated: false, broken: undefined })
      } else {
        expect(big.response.header("content-encoding")).toBe("gzip")
        expect(big.response.body.text.length).toBeLessThanOrEqual(64 * 1024)
      }
    }
  })

  it("on Node's own fetch, dispatch on the dispatcher fetch would use: init's, else the global one", async () => {
    type Options = Record<string, unknown>
    const spy = (seen: Array<Options>) => ({
      dispatch: (options: Options, handler: never) => {
        seen.push(options)
        return agent.dispatch(options as never, handler)
      }
    })
    const ours = ["origin", "path", "method", "headers", "maxRedirections"]
    const viaInit: Array<Options> = []
    const withDispatcher = makeFetchGet(globalThis.fetch, { dispatcher: spy(viaInit) } as RequestInit)
    server.script({ _tag: "Respond", status: 200, body: "{}" })
    expect(await send(withDispatcher)).toMatchObject({ _tag: "Response", response: { status: 200 } })
    expect(viaInit.map(Object.keys)).toEqual([ours])
    expect(viaInit[0]!.maxRedirections).toBe(0)

    const key = Symbol.for("undici.globalDispatcher.1")
    const global = globalThis as unknown as Record<symbol, unknown>
    const before = global[key]
    const viaGlobal: Array<Options> = []
    try {
      const get = makeFetchGet(globalThis.fetch, {})
      // Replaced after the GET was made, as setGlobalDispatcher may: the GET follows, as fetch would.
      global[key] = spy(viaGlobal)
      server.script({ _tag: "Respond", status: 200, body: "{}" })
      expect(await send(get)).toMatchObject({ _tag: "Response", response: { status: 200 } })
      expect(viaGlobal.map(Object.keys)).toEqual([ours])
    } finally {
      global[key] = before
    }
  })

  it("send RequestInit's headers under the request's own, as the platform's fetch client does", async () => {
    type Options = Record<string, unknown>
    const seen: Array<Record<string, string>> = []
    const recording = (seenBy: Array<Options>) => ({
      dispatch: (options: Options, handler: never) => {
        seenBy.push(options)
        return agent.dispatch(options as never, handler)
      }
    })
    const init = (extra: Record<string, unknown>) =>
      ({ headers: [["X-Tenant", "t1"], ["Authorization", "Bearer init"]], ...extra }) as RequestInit
    const viaDispatcher: Array<Options> = []
    const gets: ReadonlyArray<LeanGet> = [
      // Node's fetch, dispatched directly (on init's dispatcher here, to see what it is sent).
      makeFetchGet(globalThis.fetch, init({ dispatcher: recording(viaDispatcher) })),
      // Through fetch: a fetch of one's own sees the init it is called with.
      makeFetchGet((input, requestInit) => {
        seen.push(Object.fromEntries(new Headers(requestInit?.headers).entries()))
        return globalThis.fetch(input, requestInit)
      }, init({}))
    ]
    for (const get of gets) {
      server.script({ _tag: "Respond", status: 200, body: "{}" })
      expect(await send(get)).toMatchObject({ _tag: "Response", response: { status: 200 } })
    }
    const expected = { "x-tenant": "t1", authorization: "Bearer k", "accept-encoding": "identity" }
    expect(viaDispatcher.map((o) => o.headers)).toEqual([expected])
    expect(seen).toEqual([expected])
    expect(server.requests().slice(-2).map((r) => r.authorization)).toEqual(["Bearer k", "Bearer k"])
  })

  it("fail every request through onError when RequestInit's headers are ones fetch refuses", async () => {
    const get = makeFetchGet(globalThis.fetch, { headers: { "bad name": "x" } })
    const result = await send(get)
    expect(result._tag).toBe("Error")
  })

  it("use a fetch of one's own (a mock, a wrapper) as it is, on every request", async () => {
    let calls = 0
    const get = makeFetchGet((input, init) => {
      calls++
      return globalThis.fetch(input, init)
    }, {})
    for (let i = 0; i < 3; i++) {
      server.script({ _tag: "Respond", status: 200, body: "{}" })
      expect(await send(get)).toMatchObject({ _tag: "Response", response: { status: 200 } })
    }
    expect(calls).toBe(3)
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
      }),
      makeFetchGet(globalThis.fetch, {
        dispatcher: {
          dispatch: () => {
            throw boom
          }
        }
      } as RequestInit)
    ]
    for (const get of throwing) expect(await send(get)).toEqual({ _tag: "Error", cause: boom })
  })
})
