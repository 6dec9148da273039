// One smoke case, run through `ApiTokens` as a user's code would, described as plain data for the host. Shared by
// every agent (a script on Node, Bun or Deno; a Cloudflare worker), so each runtime runs the same checks.
import { ApiTokens, FetchTransport } from "@deepset-tokens/client"
import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, Redacted } from "effect"

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
    field: error.field,
    // What the client read from the headers: a page sees them only where the server exposes them (CORS).
    retryAfterMillis: Option.isOption(error.retryAfter)
      ? Option.getOrNull(Option.map(error.retryAfter, Duration.toMillis))
      : undefined,
    requestId: Option.isOption(error.requestId) ? Option.getOrNull(error.requestId) : undefined,
    // Everything the error would show a user, for the host's key-leak check.
    rendered: `${String(error)} ${JSON.stringify(error)}`
  }
}

/**
 * Runs `kase` of `plan` on `transport` (an `HttpClient` layer), resolving to its outcome with the time it took.
 */
export const runCase = async (plan, kase, transport = FetchTransport.layer) => {
  const target = plan.targets[kase.target]
  const client = ApiTokens.layer({
    apiKey: Redacted.make(target.apiKey),
    baseUrl: target.url,
    timeout: Duration.millis(plan.timeoutMillis),
    maxBodyBytes: plan.maxBodyBytes,
    retry: false,
    coalesce: false,
    // A page is refused without this opt-in (the key would be visible to every visitor); one case leaves it out.
    ...(kase.withoutBrowserOptIn === true ? {} : { dangerouslyAllowBrowser: true })
  }).pipe(Layer.provide(transport))
  const retrieve = Effect.flatMap(ApiTokens, (tokens) => tokens.retrieve(kase.id))
  const program = kase.interruptAfterMillis === undefined
    ? retrieve
    : Effect.gen(function*() {
      const fiber = yield* Effect.fork(retrieve)
      yield* Effect.sleep(Duration.millis(kase.interruptAfterMillis))
      return yield* Effect.flatten(Fiber.interrupt(fiber))
    })
  const started = Date.now()
  const exit = await Effect.runPromise(Effect.exit(Effect.provide(program, client)))
  return { case: kase.name, millis: Date.now() - started, ...describe(exit) }
}
