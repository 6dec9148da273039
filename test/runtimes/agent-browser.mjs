// The runtime smoke suite's agent for a real browser: Debian's Chromium driven by playwright-core (which downloads
// no browser of its own). The page is served from its own loopback origin, so every call to the servers is
// cross-origin, with web security on, as in a user's page. Same output as `agent.mjs`.
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { chromium } from "playwright-core"

const { default: plan } = await import(new URL("./plan.json", import.meta.url).href, { with: { type: "json" } })
const bundle = readFileSync(new URL("./browser.bundle.js", import.meta.url))

const page = createServer((request, response) => {
  if (request.url === "/runner.js") {
    response.writeHead(200, { "content-type": "text/javascript" }).end(bundle)
  } else {
    response.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><script src=\"/runner.js\"></script>")
  }
})
await new Promise((resolve) => page.listen(0, "127.0.0.1", resolve))
const origin = `http://127.0.0.1:${page.address().port}`

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // Root in CI needs --no-sandbox; the rest keeps Chromium off the network it cannot reach here.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync"
  ]
})
try {
  const tab = await browser.newPage()
  await tab.goto(origin)
  await tab.waitForFunction(() => typeof globalThis.runCase === "function")
  const runtime = await tab.evaluate(() => navigator.userAgent)
  process.stdout.write(
    `${JSON.stringify({ runtime: `${runtime.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? runtime}` })}\n`
  )
  for (const kase of plan.cases) {
    const outcome = await tab.evaluate(([p, k]) => globalThis.runCase(p, k), [plan, kase])
    process.stdout.write(`${JSON.stringify(outcome)}\n`)
  }
} finally {
  await browser.close()
  page.close()
}
