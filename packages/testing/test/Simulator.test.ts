/**
 * The simulator, checked from outside: plain fetch (no Effect), and bodies validated against the vendored
 * seed schema by ajv, an independent JSON Schema validator, not by our own Schemas.
 */
import { expiresWithin, isExpiredAt, type TokenMeta } from "@deepset-tokens/domain"
import { describe, expect, it } from "@effect/vitest"
import addFormats from "ajv-formats"
import Ajv2020 from "ajv/dist/2020.js"
import { DateTime, Effect, Either, HashMap, Logger, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { Fault, Simulator } from "../src/index.js"

type Json = Record<string, unknown>
// The seed's OpenAPI document is vendored once, beside the domain's schemas that it checks.
const seed = JSON.parse(
  readFileSync(new URL("../../domain/test/fixtures/retrieve-token.openapi.json", import.meta.url), "utf8")
) as Json
const operation = ((seed["paths"] as Json)["/api/v1/token/{api_token_id}"] as Json)["get"] as Json
const schemaOf = (status: string) =>
  ((((operation["responses"] as Json)[status] as Json)["content"] as Json)["application/json"] as Json)[
    "schema"
  ] as Json

const ajv = new Ajv2020.default({ strict: false, allErrors: true })
addFormats.default(ajv)
const validate200 = ajv.compile(schemaOf("200"))
const validate422 = ajv.compile(schemaOf("422"))

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text }
  })

describe("Simulator (black box)", () => {
  it.scopedLive("answers like the API: 200, 401, 404 and FastAPI's 422, each as the seed schema says", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 30, log: false })
      const auth = { authorization: `Bearer ${Redacted.value(sim.apiKey)}` }
      expect(sim.ids.length).toBeGreaterThan(20)
      for (const id of sim.ids) {
        const ok = yield* get(`${sim.url}/api/v1/token/${id}`, auth)
        expect(ok.status).toBe(200)
        expect(ok.headers.get("content-type")).toMatch(/^application\/json/)
        const body = JSON.parse(ok.text)
        expect(validate200(body), JSON.stringify(validate200.errors)).toBe(true)
        expect(body.masked_token).toMatch(/^[a-z0-9]{4}\*{4}[a-z0-9]{4}$/)
      }
      const missing = yield* get(`${sim.url}/api/v1/token/${sim.ids[0]}`)
      const wrong = yield* get(`${sim.url}/api/v1/token/${sim.ids[0]}`, { authorization: "Bearer nope" })
      for (const unauthorized of [missing, wrong]) {
        expect(unauthorized.status).toBe(401)
        expect(unauthorized.headers.get("www-authenticate")).toBe("Bearer")
        expect(unauthorized.headers.get("content-type")).toMatch(/^application\/json/)
        expect(unauthorized.text).not.toContain(Redacted.value(sim.apiKey))
      }
      const unknown = yield* get(`${sim.url}/api/v1/token/00000000-0000-4000-8000-000000000000`, auth)
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get("content-type")).toMatch(/^application\/json/)
      // The key is checked before the id, as FastAPI runs the auth dependency before it validates the path.
      expect((yield* get(`${sim.url}/api/v1/token/not-a-uuid`)).status).toBe(401)
      for (const bad of ["not-a-uuid", "..%2F..", "3f2504e0-4f89-11d3-9a0c-0305e82c330"]) {
        const invalid = yield* get(`${sim.url}/api/v1/token/${bad}`, auth)
        expect(invalid.status).toBe(422)
        expect(invalid.headers.get("content-type")).toMatch(/^application\/json/)
        const body = JSON.parse(invalid.text)
        expect(validate422(body), JSON.stringify(validate422.errors)).toBe(true)
        expect(body.detail[0].loc).toEqual(["path", "api_token_id"])
      }
    }))

  it("seeds the same realistic tokens for the same N, with live, soon-expiring, expired and non-expiring ones", () => {
    const now = DateTime.unsafeMake(Date.UTC(2026, 10, 28))
    const later = DateTime.add(now, { hours: 5 })
    for (const n of [4, 25, 40]) {
      const a = Simulator.seedTokens(n, 2024, now)
      expect(a).toHaveLength(n)
      // Stable across runs: the same ids, names and masked tokens; expiries move with the clock.
      const stable = (tokens: ReadonlyArray<TokenMeta>) =>
        tokens.map((t) => [t.api_token_id, t.name, t.masked_token, t.organization_role, t.workspaces])
      expect(stable(Simulator.seedTokens(n, 2024, later))).toEqual(stable(a))
      const days = (t: TokenMeta) =>
        t.expires_at === null ? null : (DateTime.toEpochMillis(t.expires_at) - DateTime.toEpochMillis(now)) / 86_400_000
      const expired = a.filter((t) => isExpiredAt(t, now))
      const soon = a.filter((t) => !isExpiredAt(t, now) && expiresWithin(t, "14 days", now))
      const months = a.filter((t) => (days(t) ?? 0) > 14)
      const never = a.filter((t) => !t.expires && t.expires_at === null)
      expect([expired, soon, months, never].map((group) => group.length > 0)).toEqual([true, true, true, true])
      for (const t of a) {
        expect(t.masked_token).toMatch(/^[a-z0-9]{4}\*{4}[a-z0-9]{4}$/)
        expect(t.expires).toBe(t.expires_at !== null)
        expect(t.user.given_name.length).toBeGreaterThan(0)
      }
    }
    expect(Simulator.seedTokens(0, 2024, now)).toEqual([])
  })

  it.scopedLive("starts well under a second and logs one line per request, without the key", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ annotations, message }) =>
        lines.push(`${String(message)} ${JSON.stringify(Object.fromEntries(HashMap.toEntries(annotations)))}`)
      )
      const started = performance.now()
      const sim = yield* Simulator.make({ tokens: 100, apiKey: "api_sim_secret_123" }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      expect(performance.now() - started).toBeLessThan(1000)
      yield* get(`${sim.url}/api/v1/token/${sim.ids[0]}`, { authorization: "Bearer api_sim_secret_123" })
      yield* get(`${sim.url}/api/v1/token/${sim.ids[0]}`)
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(new RegExp(`^GET /api/v1/token/${sim.ids[0]} 200 \\d+\\.\\dms`))
      expect(lines[1]).toMatch(/ 401 /)
      expect(lines.join("\n")).not.toContain("api_sim_secret_123")
    }))

  it.scopedLive("chaos answers a share of requests with 503 and 429, reproducibly", () =>
    Effect.gen(function*() {
      const statuses = (seed: number) =>
        Effect.gen(function*() {
          const sim = yield* Simulator.make({ tokens: 1, log: false, chaos: { rate503: 0.3, rate429: 0.2, seed } })
          const auth = { authorization: `Bearer ${Redacted.value(sim.apiKey)}` }
          const out: Array<number> = []
          for (let i = 0; i < 60; i++) out.push((yield* get(`${sim.url}/api/v1/token/${sim.ids[0]}`, auth)).status)
          return out
        })
      const first = yield* statuses(7)
      expect(yield* statuses(7)).toEqual(first)
      expect(yield* statuses(8)).not.toEqual(first)
      expect(first.filter((s) => s === 503).length).toBeGreaterThan(5)
      expect(first.filter((s) => s === 429).length).toBeGreaterThan(3)
      expect(first.filter((s) => s === 200).length).toBeGreaterThan(10)
    }))

  it.scopedLive("chaos answers carry Retry-After and a JSON body, and latency delays every answer", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 1, log: false, chaos: { rate503: 0.5, rate429: 0.5, latency: 40 } })
      const auth = { authorization: `Bearer ${Redacted.value(sim.apiKey)}` }
      const seen = new Set<number>()
      for (let i = 0; i < 6; i++) {
        const started = performance.now()
        const answer = yield* get(`${sim.url}/api/v1/token/${sim.ids[0]}`, auth)
        expect(performance.now() - started).toBeGreaterThanOrEqual(35)
        expect([429, 503]).toContain(answer.status)
        expect(answer.headers.get("retry-after")).toBe("1")
        expect(answer.headers.get("content-type")).toMatch(/^application\/json/)
        expect(JSON.parse(answer.text)).toHaveProperty("detail")
        seen.add(answer.status)
      }
      expect(seen.size).toBe(2)
      // A faulted request never reached the model.
      expect(yield* sim.api.requests).toHaveLength(0)
    }))

  it.scopedLive("scripted faults reach the socket: a disconnect and a body cut short", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ tokens: 1, log: false })
      const auth = { authorization: `Bearer ${Redacted.value(sim.apiKey)}` }
      yield* sim.api.script(Fault.disconnect())
      const dropped = yield* Effect.either(
        Effect.tryPromise(() => fetch(`${sim.url}/api/v1/token/${sim.ids[0]}`, { headers: auth }))
      )
      expect(Either.isLeft(dropped)).toBe(true)
      yield* sim.api.script(
        Fault.BrokenBody({ status: 200, prefix: "{\"name\":", headers: { "content-type": "application/json" } })
      )
      const cut = yield* Effect.either(
        Effect.tryPromise(() => fetch(`${sim.url}/api/v1/token/${sim.ids[0]}`, { headers: auth }).then((r) => r.text()))
      )
      expect(Either.isLeft(cut)).toBe(true)
    }))

  it.scopedLive("CORS is opt-in: preflights answered without reaching the model, answers readable by a page", () =>
    Effect.gen(function*() {
      const origin = "http://127.0.0.1:4321"
      const closed = yield* Simulator.make({ tokens: 1, log: false })
      const open = yield* Simulator.make({ tokens: 1, log: false, cors: true })
      const hiding = yield* Simulator.make({ tokens: 1, log: false, cors: { exposeHeaders: [] } })
      const path = (sim: Simulator.Service) => `${sim.url}/api/v1/token/${sim.ids[0]}`
      const auth = (sim: Simulator.Service) => ({ authorization: `Bearer ${Redacted.value(sim.apiKey)}`, origin })

      const off = yield* get(path(closed), auth(closed))
      expect(off.status).toBe(200)
      expect(off.headers.get("access-control-allow-origin")).toBeNull()

      const preflight = yield* Effect.promise(() =>
        fetch(path(open), {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" }
        })
      )
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get("access-control-allow-origin")).toBe(origin)
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET")
      expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization")
      expect(yield* open.api.requests).toHaveLength(0)

      yield* open.api.script(Fault.status(429, "{}", { "retry-after": "3", "x-request-id": "req-1" }))
      const limited = yield* get(path(open), auth(open))
      expect(limited.status).toBe(429)
      expect(limited.headers.get("access-control-allow-origin")).toBe(origin)
      expect(limited.headers.get("access-control-expose-headers")).toBe(Simulator.corsExposedHeaders.join(", "))
      const ok = yield* get(path(open), auth(open))
      expect(ok.status).toBe(200)
      expect(ok.headers.get("access-control-allow-origin")).toBe(origin)

      const hidden = yield* get(path(hiding), auth(hiding))
      expect(hidden.headers.get("access-control-expose-headers")).toBe("")
    }))

  it("parses chaos specs and refuses bad ones", () => {
    expect(Simulator.parseChaos("503=0.1,429=0.05,latency=200ms,seed=7")).toEqual(
      Either.right({ rate503: 0.1, rate429: 0.05, latency: expect.anything(), seed: 7 })
    )
    for (const bad of ["503=2", "latency=fast", "teapot=1", "503=0.8,429=0.5", "seed=x"]) {
      expect(Either.isLeft(Simulator.parseChaos(bad))).toBe(true)
    }
  })
})
