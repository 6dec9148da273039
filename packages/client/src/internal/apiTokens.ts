import {
  type ApiTokenId,
  type ApiTokensError,
  InvalidTokenId,
  parseApiTokenId,
  type TokenMeta
} from "@deepset-tokens/domain"
import { excerpt, makeScrub } from "@deepset-tokens/wire"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { ApiTokens } from "../ApiTokens.js"
import { ApiTokensCache } from "../ApiTokensCache.js"
import type { ApiTokensConfigError } from "../ApiTokensConfigError.js"
import { cacheService, makeStore, storingOutcomes } from "./cache.js"
import { makeCoalescer } from "./coalesce.js"
import { derivedAttempt } from "./derivedAttempt.js"
import { genericAttempt } from "./genericAttempt.js"
import { derivedLeanOf, leanGetOf } from "./lean.js"
import { leanAttempt } from "./leanAttempt.js"
import { makePlan, type Plan, resolveCall, resolveOptions } from "./options.js"
import { withDeadline, withRetries } from "./retry.js"
import { inRetrieveSpan, isTraced, withRetrieveSpan } from "./tracing.js"
import { userAgent } from "./userAgent.js"

/** @internal */
export const key = "@deepset-tokens/client/ApiTokens"

// The same key as the public `ApiTokens` class, so the two are one service in any Context.
const tag = Context.GenericTag<ApiTokens, ApiTokens.Service>(key)

interface Built {
  readonly service: ApiTokens.Service
  readonly cache: ApiTokensCache.Service | undefined
}

/**
 * The service from checked options. Everything per call (the attempt, retries, deadline, coalescing, cache,
 * span) is composed here, once; `retrieve` only parses the id and runs it with a `Plan`: the layer's own,
 * made here, or one made from the call's options (the only thing a call with options builds).
 */
const build = (options: ApiTokens.Options): Effect.Effect<Built, ApiTokensConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* resolveOptions(options)
    const scrub = makeScrub(Redacted.value(options.apiKey))
    const provided = yield* HttpClient.HttpClient
    const tokenUrl = `${config.baseUrl}/api/v1/token/`
    const layerPlan = makePlan(config.timeout, config.retry, config.deadline)
    const { maxBodyBytes } = config
    const timed = (effect: Effect.Effect<TokenMeta, ApiTokensError>, plan: Plan) =>
      Effect.timeoutFail(effect, { duration: plan.timeout, onTimeout: () => plan.attemptTimeout })

    // Exactly our transport's client: the lean GET. Derived from one by request-side customizations only: the
    // mapping, then the lean GET. Anything else: the platform pipeline.
    const lean = leanGetOf(provided)
    const leanPath = lean === undefined ? undefined : leanAttempt({
      get: lean,
      origin: new URL(tokenUrl).origin,
      pathPrefix: new URL(tokenUrl).pathname,
      headers: {
        authorization: `Bearer ${Redacted.value(options.apiKey)}`,
        accept: "application/json",
        "user-agent": userAgent
      },
      maxBodyBytes,
      scrub,
      timed
    })
    const derived = lean === undefined ? derivedLeanOf(provided) : undefined
    const attempt = leanPath !== undefined
      ? leanPath.attempt
      : yield* (derived === undefined
        ? genericAttempt(provided, { options, tokenUrl, maxBodyBytes, scrub, timed })
        : derivedAttempt(derived, { options, tokenUrl, maxBodyBytes, scrub, timed }))

    const retrying = withRetries(attempt)
    const run = withDeadline(retrying.run)

    // Calls share a request only when they would make it alike: the layer's plan keys by the id alone (no
    // string built on the hot path), any other plan by the id and its signature.
    const coalescer = config.coalesce ? makeCoalescer<TokenMeta, ApiTokensError>() : undefined
    const keyOf = (id: ApiTokenId, plan: Plan) => plan === layerPlan ? id : `${id} ${plan.signature}`
    const shared = coalescer === undefined ?
      run :
      (id: ApiTokenId, plan: Plan) => coalescer.share(keyOf(id, plan), run(id, plan))

    const store = config.cache === undefined ? undefined : makeStore(config.cache)
    const clock = yield* Effect.clock
    const fetchOrCache = store === undefined ? shared : storingOutcomes(shared, store, clock)

    // A lean transport with nothing to wrap around the call (no cache here; no span or deadline, known per call)
    // runs it as one step: see `LeanAttempt.first`, and `firstShared` for coalescing, which joins a run in flight
    // if there is one. One look at the fiber decides for both.
    const direct = store === undefined ? leanPath : undefined
    const oneStep = (fiber: Fiber.RuntimeFiber<unknown, unknown>, id: ApiTokenId, plan: Plan) => {
      if (direct === undefined || plan.deadline !== undefined) return undefined
      if (coalescer === undefined) return direct.first(fiber, id, plan, retrying.afterFirst)
      const key = keyOf(id, plan)
      return coalescer.join(key) ?? direct.firstShared(fiber, id, plan, { coalescer, key, retrying })
    }
    const traced = (id: ApiTokenId, plan: Plan) =>
      Effect.withFiberRuntime<TokenMeta, ApiTokensError>((fiber) => {
        if (isTraced(fiber)) {
          return inRetrieveSpan(fetchOrCache(id, plan), {
            "deepset.api_token_id": id,
            "http.request.method": "GET",
            "url.full": tokenUrl + id
          })
        }
        return oneStep(fiber, id, plan) ?? fetchOrCache(id, plan)
      })

    const invalid = (input: string, reason: string) =>
      withRetrieveSpan(
        // Not a string (from JavaScript): its type is shown, never a rendering that could throw or hold the key.
        new InvalidTokenId({
          input: typeof input === "string" ? excerpt(scrub, input, 64) : `(${typeof input})`,
          reason
        }),
        () => ({})
      )

    const retrieveWith = (input: string, plan: Plan): Effect.Effect<TokenMeta, ApiTokensError> => {
      const parsed = parseApiTokenId(input)
      if (Either.isLeft(parsed)) return invalid(input, parsed.left)
      if (store !== undefined) {
        // A hit is answered without a span or a fiber: it is the hot path caching exists for. Per-call options
        // say how to ask the server, not how fresh an answer must be, so a hit is a hit whatever they are.
        const hit = store.entries.get(parsed.right, clock.unsafeCurrentTimeMillis())
        if (hit !== undefined) return hit._tag === "Hit" ? Effect.succeed(hit.value) : Effect.fail(hit.error)
      }
      return traced(parsed.right, plan)
    }

    // Options are checked before the id: a bad option is the caller's bug whatever the id, and fails the call
    // (never the service) with the constructors' own error.
    const retrieve = (
      input: string,
      options?: ApiTokens.CallOptions
    ): Effect.Effect<TokenMeta, ApiTokensError | ApiTokensConfigError> => {
      // `null` from a JavaScript caller reads as "no options", as it does for `layerConfig`.
      if (options === undefined || options === null) return retrieveWith(input, layerPlan)
      const plan = resolveCall(options, layerPlan)
      return Either.isLeft(plan) ? Effect.fail(plan.left) : retrieveWith(input, plan.right)
    }

    return {
      // Without options the call cannot fail with ApiTokensConfigError: the overloads say so, which one
      // implementation signature cannot.
      service: { retrieve: retrieve as ApiTokens.Service["retrieve"] },
      cache: store === undefined ? undefined : cacheService(store)
    }
  })

/** @internal */
export function make(
  options: ApiTokens.Options & { readonly cache: ApiTokensCache.Options }
): Effect.Effect<ApiTokens.CachedService, ApiTokensConfigError, HttpClient.HttpClient>
/** @internal */
export function make(
  options: ApiTokens.Options
): Effect.Effect<ApiTokens.Service, ApiTokensConfigError, HttpClient.HttpClient>
export function make(
  options: ApiTokens.Options
): Effect.Effect<ApiTokens.Service | ApiTokens.CachedService, ApiTokensConfigError, HttpClient.HttpClient> {
  return Effect.map(build(options), ({ cache, service }) => cache === undefined ? service : { ...service, cache })
}

const toContext = ({ cache, service }: Built): Context.Context<ApiTokens> =>
  cache === undefined ? Context.make(tag, service) : Context.make(tag, service).pipe(Context.add(ApiTokensCache, cache))

/** @internal */
export function layer(
  options: ApiTokens.Options & { readonly cache: ApiTokensCache.Options }
): Layer.Layer<ApiTokens | ApiTokensCache, ApiTokensConfigError, HttpClient.HttpClient>
/** @internal */
export function layer(options: ApiTokens.Options): Layer.Layer<ApiTokens, ApiTokensConfigError, HttpClient.HttpClient>
export function layer(options: ApiTokens.Options): Layer.Layer<ApiTokens, ApiTokensConfigError, HttpClient.HttpClient> {
  return Layer.effectContext(Effect.map(build(options), toContext))
}

const isConfig = <A>(value: A | Config.Config<A>): value is Config.Config<A> => Config.isConfig(value)

const read = <A>(value: A | Config.Config<A>): Effect.Effect<A, ConfigError.ConfigError> =>
  isConfig(value) ? value : Effect.succeed(value)

// An empty or blank URL in the environment is "not set": `DEEPSET_API_URL=` in a .env file is common.
const setUrl = (url: string | URL | undefined) =>
  typeof url === "string" ? (url.trim().length === 0 ? undefined : url.trim()) : url

const defaultApiKey = Config.redacted("DEEPSET_API_KEY")
const defaultBaseUrl = Config.string("DEEPSET_API_URL").pipe(Config.withDefault(undefined))

/** The options with every `Config` read: the key and URL from the environment unless given. */
const readOptions = (options: ApiTokens.ConfigOptions): Effect.Effect<ApiTokens.Options, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const apiKey = yield* read(options.apiKey ?? defaultApiKey)
    const baseUrl = options.baseUrl === undefined
      ? setUrl(yield* defaultBaseUrl)
      : isConfig(options.baseUrl)
      ? setUrl(yield* options.baseUrl)
      : options.baseUrl
    const region = yield* read(options.region)
    return {
      // Anything else given (a misspelt option from JavaScript) goes on, to be refused by the checks by name.
      ...options,
      apiKey,
      baseUrl,
      // DEEPSET_API_URL repoints a deployment whose code names a region; a baseUrl given here does not.
      region: options.baseUrl === undefined && baseUrl !== undefined ? undefined : region,
      timeout: yield* read(options.timeout),
      deadline: yield* read(options.deadline),
      retry: yield* read(options.retry),
      maxBodyBytes: yield* read(options.maxBodyBytes),
      allowInsecureHttp: yield* read(options.allowInsecureHttp),
      dangerouslyAllowBrowser: yield* read(options.dangerouslyAllowBrowser),
      coalesce: yield* read(options.coalesce),
      cache: yield* read(options.cache)
    }
  })

/** @internal */
export function layerConfig(
  options: ApiTokens.ConfigOptions & {
    readonly cache: ApiTokensCache.Options | Config.Config<ApiTokensCache.Options>
  }
): Layer.Layer<ApiTokens | ApiTokensCache, ApiTokensConfigError | ConfigError.ConfigError, HttpClient.HttpClient>
/** @internal */
export function layerConfig(
  options?: ApiTokens.ConfigOptions
): Layer.Layer<ApiTokens, ApiTokensConfigError | ConfigError.ConfigError, HttpClient.HttpClient>
export function layerConfig(
  options: ApiTokens.ConfigOptions = {}
): Layer.Layer<ApiTokens, ApiTokensConfigError | ConfigError.ConfigError, HttpClient.HttpClient> {
  // `null` from a JavaScript caller reads as "no options", as `undefined` does.
  return Layer.unwrapEffect(Effect.map(readOptions(options ?? {}), (read) => layer(read)))
}
