// The client side of the runtime smoke suite on Node, Bun or Deno: imports the packed packages the way a user's
// app would and runs each planned case against the loopback servers the host started. It prints one JSON line
// per case and never decides pass or fail itself: the host compares.
//
// Plain ESM JavaScript on purpose: it must run unchanged on every runtime without a build step.
import { FetchTransport } from "@deepset-tokens/client"
import { runCase } from "./runner.mjs"

const { default: plan } = await import(new URL("./plan.json", import.meta.url).href, { with: { type: "json" } })

const transport = plan.transport === "undici"
  ? (await import("@deepset-tokens/client/UndiciTransport")).layer
  : FetchTransport.layer

const runtime = globalThis.Bun !== undefined
  ? `Bun ${globalThis.Bun.version}`
  : globalThis.Deno !== undefined
  ? `Deno ${globalThis.Deno.version.deno}`
  : `Node ${process.version}`
process.stdout.write(`${JSON.stringify({ runtime })}\n`)

for (const kase of plan.cases) {
  process.stdout.write(`${JSON.stringify(await runCase(plan, kase, transport))}\n`)
}
