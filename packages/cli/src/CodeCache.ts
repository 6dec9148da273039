/**
 * Loads a bundled script with V8's code cache for it: the compiled bytecode that `build.mjs` saved next to
 * the script, so that a fresh process neither parses nor compiles what the cache holds.
 *
 * The script is one function expression, `(function (exports, require, module) { ... })`, after a first
 * line that names its build: `build.mjs` wraps the CommonJS bundle so. The cache file starts with the same
 * line, then a line naming the Node that made it (`train-cache.mjs` writes both). V8 checks a cache only
 * against the source's length, its own version and its flags, so a cache from another build of the script
 * is recognized by the first line and left unused. A cache from another Node (a global install run by
 * another Node than the one that built the package) is left unused by the second line, without asking V8:
 * V8 would reject it too, but only after reading it, and not every embedder's check is as strict. Without
 * a fitting cache the script compiles from source as usual.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Script } from "node:vm"

type Wrapper = (exports: object, require: NodeJS.Require, module: { exports: object }) => void

/**
 * The line naming the Node a code cache was made by: its version, V8's version and the architecture.
 * `train-cache.mjs` writes the same line after the build line.
 *
 * @category loading
 * @since 0.1.0
 */
export const runtimeLine = (): string => `node ${process.version} v8 ${process.versions.v8} ${process.arch}\n`

/**
 * The code cache in `cache` when it was made from this build of `source`, by the Node named in `runtime`
 * (by default the running one).
 *
 * @category loading
 * @since 0.1.0
 */
export const cacheFor = (source: string, cache: Buffer, runtime: string = runtimeLine()): Buffer | undefined => {
  const end = source.indexOf("\n")
  if (end <= 0) return undefined
  // Both lines are ASCII (build.mjs and train-cache.mjs write them), so characters are bytes.
  const header = source.slice(0, end + 1) + runtime
  return cache.length > header.length && cache.toString("latin1", 0, header.length) === header
    ? cache.subarray(header.length)
    : undefined
}

const readCache = (source: string, file: string): Buffer | undefined => {
  try {
    return cacheFor(source, readFileSync(file))
  } catch {
    // No cache (a build without one, or removed): compile from source.
    return undefined
  }
}

/**
 * Runs the script at `file` and returns its `module.exports`.
 *
 * @category loading
 * @since 0.1.0
 */
export const load = (file: string): unknown => {
  const source = readFileSync(file, "utf8")
  const cachedData = readCache(source, `${file}.cache`)
  const script = new Script(source, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) })
  const module = { exports: {} }
  const wrapper = script.runInThisContext() as Wrapper
  wrapper(module.exports, createRequire(file), module)
  return module.exports
}
