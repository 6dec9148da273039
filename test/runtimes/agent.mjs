// The client side of the runtime smoke suite. It runs on the runtime under test (Node, Bun, Deno), imports the
// packed packages the way a user's app would, and runs each planned case against the loopback servers the host
// started. It prints one JSON line per case and never decides pass or fail itself: the host compares.
//
// Plain ESM JavaScript on purpose: it must run unchanged on every runtime without a build step.
import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, Redacted } from "effect"

const planFile = new URL("./plan.json", import.meta.url)
const { default: plan } = await import(planFile.href, { with: { type: "json" } })

const transport = plan.transport === "undici"
  ? (await import("@deepset-tokens/client/UndiciTransport")).layer
  : FetchTransport.layer

/** What a case ended in, as plain data the host can compare. */
const describe = (exit) => {
  if (Exit.isSuccess(exit)) return { tag: "Success", id: exit.value.api_token_id, name: exit.value.name }
  if (Cause.isInterruptedOnly(exit.cause)) return { tag: "Interrupted" }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) return { tag: "Defect", message: Cause.pretty(exit.cause) }
  const error = failure.value
  return {
    tag: error._tag,
    status: error.status,
    scope: error.scope,
    message: error.message,
    path: error.path,
    issue: error.issue,
    // Everything the error would show a user, for the host's key-leak check.
    rendered: `${String(error)} ${JSON.stringify(error)}`
  }
}

const clientFor = (target) =>
  ApiTokens.layer({
    apiKey: Redacted.make(target.apiKey),
    baseUrl: target.url,
    timeout: Duration.millis(plan.timeoutMillis),
    maxBodyBytes: plan.maxBodyBytes,
    retry: false,
    coalesce: false
  }).pipe(Layer.provide(transport))

const run = (kase) => {
  const retrieve = Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(kase.id))
  const program = kase.interruptAfterMillis === undefined
    ? retrieve
    : Effect.gen(function*() {
      const fiber = yield* Effect.fork(retrieve)
      yield* Effect.sleep(Duration.millis(kase.interruptAfterMillis))
      return yield* Fiber.join(yield* Fiber.interrupt(fiber).pipe(Effect.as(fiber)))
    })
  return program.pipe(Effect.provide(clientFor(plan.targets[kase.target])), Effect.exit)
}

const runtime = globalThis.Bun !== undefined
  ? `Bun ${globalThis.Bun.version}`
  : globalThis.Deno !== undefined
  ? `Deno ${globalThis.Deno.version.deno}`
  : `Node ${process.version}`
process.stdout.write(`${JSON.stringify({ runtime })}\n`)

for (const kase of plan.cases) {
  const started = Date.now()
  const exit = await Effect.runPromise(run(kase))
  process.stdout.write(`${JSON.stringify({ case: kase.name, millis: Date.now() - started, ...describe(exit) })}\n`)
}
