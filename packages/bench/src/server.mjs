// The loopback server for the peer comparison, in its own process so its work does not share the
// clients' event loop. Prints its port on stdout. LATENCY_MS adds a delay per answer.
import { createServer } from "node:http"

const body = Buffer.from(process.env.BODY ?? "{}")
const latency = Number(process.env.LATENCY_MS ?? 0)
const answer = (res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
  res.end(body)
}
const server = createServer((req, res) => {
  req.resume()
  if (latency > 0) setTimeout(answer, latency, res)
  else answer(res)
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`))
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0))
