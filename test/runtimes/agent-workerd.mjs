// The runtime smoke suite's agent for Cloudflare Workers: starts workerd (through miniflare, on Node 22 or later)
// with the bundled `worker.mjs`, and sends it each planned case. Same output as `agent.mjs`.
import { Miniflare } from "miniflare"

const { default: plan } = await import(new URL("./plan.json", import.meta.url).href, { with: { type: "json" } })

const mf = new Miniflare({
  modules: true,
  scriptPath: new URL("./worker.bundle.mjs", import.meta.url).pathname,
  // The newest date the pinned workerd supports.
  compatibilityDate: "2026-08-01"
})
try {
  const runtime = await mf.dispatchFetch("http://worker/", {
    method: "POST",
    body: JSON.stringify({ plan, kase: { name: "runtime", target: "simulator", id: "not-an-id" } })
  })
  await runtime.arrayBuffer()
  process.stdout.write(`${JSON.stringify({ runtime: "workerd (miniflare)" })}\n`)
  for (const kase of plan.cases) {
    const response = await mf.dispatchFetch("http://worker/", { method: "POST", body: JSON.stringify({ plan, kase }) })
    process.stdout.write(`${JSON.stringify(await response.json())}\n`)
  }
} finally {
  await mf.dispose()
}
