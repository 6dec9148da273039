/**
 * The lean GET on `fetch`: runs wherever `fetch` does (Node, Bun, Deno, workers, browsers).
 *
 * @since 0.1.0
 */
import { type Body, BodyAccumulator, bodyOf, brokenWith, tooLarge } from "./Body.js"
import { describeError } from "./ErrorMessage.js"
import type { LeanGet } from "./LeanGet.js"

const noop = () => {}

/**
 * Reads the body under the cap, counting the bytes fetch hands over. fetch decodes a `Content-Encoding`, so
 * the count is of decoded bytes (a 16 kB gzip bomb stops at the cap, not at 16 MB), and no header is read:
 * in Node's fetch each `headers.get` costs several µs.
 */
const readBody = async (response: Response, max: number): Promise<Body> => {
  if (response.body === null) return bodyOf("")
  const reader = response.body.getReader()
  const body = new BodyAccumulator(max)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!body.push(value)) {
        reader.cancel().catch(noop)
        return tooLarge
      }
    }
  } catch (error) {
    return brokenWith(describeError(error))
  }
  return bodyOf(body.text())
}

/**
 * A {@link LeanGet} on `fetchImpl`, with `init` under every request.
 *
 * **Details**
 *
 * `method`, `headers`, `signal` and `redirect` are the request's own: 3xx answers are answers, never
 * followed, whatever `init` says, so the key cannot reach another origin. A `fetchImpl` that throws instead
 * of rejecting is reported through `onError` like a rejection.
 *
 * @example
 * ```ts
 * import { makeFetchGet } from "@deepset-tokens/wire"
 *
 * const get = makeFetchGet(globalThis.fetch, {})
 * const abort = get(
 *   { origin: "https://api.cloud.deepset.ai", path: "/api/v1/token/x", headers: {}, maxBodyBytes: 65536 },
 *   (response) => console.log(response.status),
 *   (cause) => console.error(cause)
 * )
 * abort()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeFetchGet = (fetchImpl: typeof globalThis.fetch, init: RequestInit): LeanGet =>
(
  request,
  onResponse,
  onError
) => {
  const controller = new AbortController()
  let started: Promise<Response>
  try {
    started = fetchImpl(request.origin + request.path, {
      ...init,
      method: "GET",
      headers: request.headers,
      signal: controller.signal,
      redirect: "manual"
    })
  } catch (error) {
    onError(error)
    return noop
  }
  started.then(
    (response) =>
      readBody(response, request.maxBodyBytes).then((body) =>
        onResponse({
          status: response.status,
          header: (name) => response.headers.get(name) ?? undefined,
          headers: response.headers,
          body
        })
      ),
    onError
  )
  return () => controller.abort()
}
