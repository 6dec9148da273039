// The server side of the runtime smoke suite, on the machine's Node: it starts the simulator and the fault
// server from the packed `@deepset-tokens/testing`, scripts one fault per case, runs the agent on the runtime
// under test, and compares what the agent saw with what each case expects.
//
//   node host.mjs <label> <transport> -- <agent command...>   e.g. node host.mjs bun fetch -- npx -y bun@1.4.4 agent.mjs
//
// Prints one line per case and exits 1 when any case, or the after-run check, fails.
import { FaultServer, Simulator } from "@deepset-tokens/testing"
import { Effect, Redacted } from "effect"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"

const [label, transport, dashes, ...command] = process.argv.slice(2)
if (label === undefined || transport === undefined || dashes !== "--" || command.length === 0) {
  process.stderr.write("usage: node host.mjs <label> <fetch|undici> -- <runtime command...>\n")
  process.exit(2)
}

// Behaviors as plain data (the tags FaultServer.Behavior constructs), or through its constructors.
const B = FaultServer.Behavior
const key = "smoke-key-4f0c2d9a7be1"
const unknownId = "00000000-0000-4000-8000-000000000000"
const faultId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
const json = { "content-type": "application/json" }
const timeoutMillis = 800
const maxBodyBytes = 4096

/**
 * The cases, in the order the agent runs them. `fault` is the fault server's answer to the case's one request
 * (no retries in the smoke suite, so each case sends at most one).
 */
const cases = (sim) => [
  { name: "success", target: "simulator", id: sim.ids[0], expect: { tag: "Success", id: sim.ids[0] } },
  {
    name: "id in upper case",
    target: "simulator",
    id: sim.ids[1].toUpperCase(),
    expect: { tag: "Success", id: sim.ids[1] }
  },
  { name: "unknown id (404)", target: "simulator", id: unknownId, expect: { tag: "TokenNotFound", status: 404 } },
  {
    name: "no browser opt-in: refused only in a page",
    target: "simulator",
    id: sim.ids[0],
    withoutBrowserOptIn: true,
    expect: label === "chromium"
      ? { tag: "ApiTokensConfigError", field: "dangerouslyAllowBrowser" }
      : { tag: "Success", id: sim.ids[0] }
  },
  { name: "malformed id, no request", target: "simulator", id: "not-a-token", expect: { tag: "InvalidTokenId" } },
  { name: "wrong key (401)", target: "wrongKey", id: sim.ids[0], expect: { tag: "Unauthorized", status: 401 } },
  {
    name: "403",
    target: "fault",
    fault: { _tag: "Respond", status: 403, headers: json, body: "{\"detail\":\"no\"}" },
    expect: { tag: "Forbidden", status: 403 }
  },
  {
    name: "422 with FastAPI detail",
    target: "fault",
    fault: {
      _tag: "Respond",
      status: 422,
      headers: json,
      body: JSON.stringify({ detail: [{ loc: ["path", "api_token_id"], msg: "bad", type: "uuid_parsing" }] })
    },
    expect: { tag: "ValidationFailed", status: 422 }
  },
  {
    name: "429 with Retry-After",
    target: "fault",
    fault: {
      _tag: "Respond",
      status: 429,
      headers: { ...json, "retry-after": "7", "x-request-id": "req-7" },
      body: "{}"
    },
    // The fault server exposes the headers ApiTokens reads, so a page reads them too.
    expect: { tag: "RateLimited", status: 429, retryAfterMillis: 7000, requestId: "req-7" }
  },
  {
    name: "429 from a server that hides its headers from pages",
    target: "hiding",
    fault: {
      _tag: "Respond",
      status: 429,
      headers: { ...json, "retry-after": "7", "x-request-id": "req-8" },
      body: "{}"
    },
    // A page cannot read a header the server does not expose: no delay (the client backs off on its own) and no
    // request id. Every other runtime reads them.
    expect: label === "chromium"
      ? { tag: "RateLimited", status: 429, retryAfterMillis: null, requestId: null }
      : { tag: "RateLimited", status: 429, retryAfterMillis: 7000, requestId: "req-8" }
  },
  {
    name: "503",
    target: "fault",
    fault: { _tag: "Respond", status: 503, headers: json, body: "{}" },
    expect: { tag: "ServerError", status: 503 }
  },
  {
    name: "418",
    target: "fault",
    fault: { _tag: "Respond", status: 418, headers: json, body: "{}" },
    expect: { tag: "UnexpectedStatus", status: 418 }
  },
  {
    name: "redirect refused",
    target: "fault",
    fault: { _tag: "Respond", status: 302, headers: { location: "http://127.0.0.1:9/steal" }, body: "" },
    // A browser's fetch hides a refused redirect (an opaque redirect, status 0); the message says what it was.
    expect: label === "chromium"
      ? { tag: "UnexpectedStatus", status: 0, message: /^A redirect was refused/ }
      : { tag: "UnexpectedStatus", status: 302 }
  },
  {
    name: "a field of the wrong type",
    target: "fault",
    fault: { _tag: "Respond", status: 200, headers: json, body: "{\"api_token_id\":42}" },
    expect: { tag: "MalformedResponse", path: "api_token_id" }
  },
  {
    name: "not JSON",
    target: "fault",
    fault: { _tag: "Respond", status: 200, headers: { "content-type": "text/html" }, body: "<html></html>" },
    expect: { tag: "MalformedResponse" }
  },
  {
    name: "body over the cap",
    target: "fault",
    fault: { _tag: "Respond", status: 200, headers: json, body: `{"pad":"${"x".repeat(maxBodyBytes * 4)}"}` },
    expect: { tag: "MalformedResponse", issue: "cap" }
  },
  {
    name: "endless body stops at the cap",
    target: "fault",
    fault: B.Endless({ status: 200 }),
    expect: { tag: "MalformedResponse", issue: "cap" }
  },
  {
    name: "connection reset",
    target: "fault",
    fault: B.Reset(),
    expect: { tag: "TransportError" }
  },
  {
    name: "attempt timeout: headers never come",
    target: "fault",
    fault: { _tag: "SlowHeaders", ms: 60_000, then: { _tag: "Respond", status: 200, headers: json, body: "{}" } },
    expect: { tag: "Timeout", scope: "attempt" }
  },
  {
    name: "attempt timeout covers the body",
    target: "fault",
    fault: { _tag: "StallBody", status: 200, prefix: "{\"api_token_id\":" },
    expect: { tag: "Timeout", scope: "attempt" }
  },
  {
    name: "interruption aborts the request",
    target: "fault",
    interruptAfterMillis: 150,
    fault: { _tag: "SlowHeaders", ms: 60_000, then: { _tag: "Respond", status: 200, headers: json, body: "{}" } },
    expect: { tag: "Interrupted" }
  },
  {
    name: "a server echoing the key",
    target: "fault",
    fault: B.Echo({ status: 401 }),
    expect: { tag: "Unauthorized", status: 401 }
  }
]

const matches = (expect, got) =>
  Object.entries(expect).every(([field, want]) =>
    field === "issue"
      ? typeof got.issue === "string" && got.issue.includes(want)
      : want instanceof RegExp
      ? typeof got[field] === "string" && want.test(got[field])
      : got[field] === want
  )

const runAgent = (plan) =>
  Effect.async((resume) => {
    writeFileSync(new URL("./plan.json", import.meta.url), JSON.stringify(plan))
    const child = spawn(command[0], command.slice(1), {
      cwd: new URL(".", import.meta.url),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk) => out += chunk)
    child.stderr.on("data", (chunk) => err += chunk)
    // A hung agent must not hang CI: every case is bounded by the attempt timeout, so this is generous.
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000)
    child.on("close", (code) => {
      clearTimeout(killer)
      resume(Effect.succeed({ code, out, err }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const program = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const faults = yield* FaultServer.FaultServer
  const hiding = yield* FaultServer.makeWith({ cors: { exposeHeaders: [] } })
  const planned = cases(sim)
  const scriptOf = (target) => planned.flatMap((kase) => kase.target === target ? [kase.fault] : [])
  yield* faults.script(...scriptOf("fault"))
  yield* hiding.script(...scriptOf("hiding"))
  const apiKey = Redacted.value(sim.apiKey)
  const plan = {
    transport,
    timeoutMillis,
    maxBodyBytes,
    targets: {
      simulator: { url: sim.url, apiKey },
      wrongKey: { url: sim.url, apiKey: "a-wrong-key" },
      fault: { url: faults.url, apiKey: key },
      hiding: { url: hiding.url, apiKey: key }
    },
    // A fault case asks for any well-formed id: the fault server answers whatever is asked.
    cases: planned.map(({ expect: _expect, fault: _fault, ...kase }) => ({ id: faultId, ...kase }))
  }
  const { code, err, out } = yield* runAgent(plan)
  const seen = new Map(
    out.split("\n").filter((line) => line.startsWith("{")).map((line) => {
      const parsed = JSON.parse(line)
      return [parsed.case, parsed]
    })
  )
  const runtime = out.split("\n").find((line) => line.startsWith("{\"runtime\""))
  process.stdout.write(
    `${label} ${transport}: the agent ran on ${runtime === undefined ? "?" : JSON.parse(runtime).runtime}\n`
  )
  let failed = 0
  for (const kase of planned) {
    const got = seen.get(kase.name)
    const leaked = got !== undefined && [key, apiKey].some((secret) => JSON.stringify(got).includes(secret))
    const ok = got !== undefined && matches(kase.expect, got) && !leaked
    if (!ok) failed++
    const detail = got === undefined ? "no result" : leaked ? "THE KEY LEAKED" : `${got.tag} in ${got.millis} ms`
    process.stdout.write(`${ok ? "ok  " : "FAIL"} ${label} ${transport}: ${kase.name}: ${detail}\n`)
    if (!ok && got !== undefined) {
      process.stdout.write(`     expected ${JSON.stringify(kase.expect)}, got ${JSON.stringify(got)}\n`)
    }
  }
  // Every fault answer was asked for exactly once, and nothing is left open: an interrupted or timed-out request
  // closed its connection.
  const requests = (yield* faults.requests).length + (yield* hiding.requests).length
  const wanted = planned.filter((kase) => kase.fault !== undefined).length
  yield* Effect.sleep("200 millis")
  const inFlight = (yield* faults.inFlight) + (yield* hiding.inFlight)
  const after = requests === wanted && inFlight === 0
  if (!after) failed++
  process.stdout.write(
    `${
      after ? "ok  " : "FAIL"
    } ${label} ${transport}: the fault servers saw ${requests} of ${wanted} requests, ${inFlight} answers left in flight\n`
  )
  if (code !== 0) {
    failed++
    process.stdout.write(`FAIL ${label} ${transport}: the agent exited with ${code}\n${err}\n`)
  }
  return failed
})

const failed = await Effect.runPromise(
  program.pipe(
    // CORS on, so a page can call it; the other runtimes ignore the extra headers.
    Effect.provide(FaultServer.layerWith({ cors: true })),
    // CORS on, so a page can call it; other runtimes ignore the extra headers.
    Effect.provide(Simulator.layer({ log: false, tokens: 4, cors: true })),
    Effect.scoped
  )
)
process.exitCode = failed === 0 ? 0 : 1
