/**
 * Readable messages for transport failures, whose useful part hides in a chain of causes.
 *
 * @since 0.1.0
 */

// Deep enough for undici (`fetch failed` → `connect ECONNREFUSED` → ...), short enough to stay one line.
const maxDepth = 4

/**
 * The messages of an error and its causes joined with `: `, each with its errno code when the message does
 * not already say it. Empty for a non-`Error`.
 *
 * @example
 * ```ts
 * import { describeError } from "@deepset-tokens/wire"
 *
 * const refused = Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" })
 * describeError(new Error("fetch failed", { cause: refused }))
 * // "fetch failed: connect refused (ECONNREFUSED)"
 * ```
 *
 * @category formatting
 * @since 0.1.0
 */
export const describeError = (cause: unknown): string => {
  const messages: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < maxDepth && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    messages.push(
      typeof code === "string" && !current.message.includes(code) ? `${current.message} (${code})` : current.message
    )
    current = current.cause
  }
  return messages.join(": ")
}
