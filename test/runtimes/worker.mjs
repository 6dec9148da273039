// A Cloudflare worker that runs one smoke case per request with `ApiTokens` on `FetchTransport`: what a user's
// worker does, bundled with esbuild and run in workerd. The case arrives as the request's JSON body.
import { runCase } from "./runner.mjs"

export default {
  async fetch(request) {
    const { kase, plan } = await request.json()
    return Response.json(await runCase(plan, kase))
  }
}
