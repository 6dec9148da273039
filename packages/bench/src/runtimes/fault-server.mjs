// A loopback server that answers by the token id's first character, for proto-faults.mjs: 1 a redirect to
// another origin, 2 a declared length over the cap, 3 a chunked body over the cap, 4 no answer, 5 a body that
// stalls after the headers; anything else a valid token. Listens on FPORT (default 37700).
import { createServer } from "node:http"
const ok = (id) =>
  JSON.stringify({
    all_workspaces: false,
    api_token_id: id,
    expires: true,
    expires_at: "2027-06-13T00:17:00.000Z",
    masked_token: "axyb****orx1",
    name: "x",
    organization_role: "ADMIN",
    personal: false,
    role: "ADMIN",
    user: { given_name: "R", family_name: "P" },
    workspaces: []
  })
createServer((req, res) => {
  const id = req.url.split("/").pop()
  switch (id[0]) {
    case "1":
      res.writeHead(302, { location: "http://127.0.0.2:1/steal" })
      return res.end()
    case "2":
      res.writeHead(200, { "content-type": "application/json", "content-length": "5000" })
      return res.end("x".repeat(5000))
    case "3":
      res.writeHead(200, { "content-type": "application/json" })
      res.write("x".repeat(800))
      res.write("x".repeat(800))
      return res.end()
    case "4":
      return
    case "5":
      res.writeHead(200, { "content-type": "application/json", "content-length": "600" })
      res.write("{")
      return
    default: {
      const b = ok(id)
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(b) })
      return res.end(b)
    }
  }
}).listen(Number(process.env.FPORT ?? 37700), "127.0.0.1")
