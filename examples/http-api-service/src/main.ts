/**
 * Runs the service on port 3000 against the real deepset API (or `DEEPSET_API_URL`, e.g. the simulator
 * from `deepset-tokens serve`). Needs `DEEPSET_API_KEY`.
 *
 * @since 0.1.0
 */
import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Layer } from "effect"
import { createServer } from "node:http"
import { ApiLive } from "./Server.js"

const Main = HttpApiBuilder.serve().pipe(
  Layer.provide(ApiLive),
  Layer.provide(ApiTokens.layerConfig()),
  Layer.provide(FetchTransport.layer),
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 }))
)

NodeRuntime.runMain(Layer.launch(Main))
