/**
 * Loads a bundled script with V8's code cache for it: the compiled bytecode that `build.mjs` saved next to
 * the script, so that a fresh process neither parses nor compiles what the cache holds.
 *
 * The script is one function expression, `(function (exports, require, module) { ... })`, after a first
 * line that names its build: `build.mjs` wraps the CommonJS bundle so. The cache file starts with the same
 * line. V8 checks a cache only against the source's length, its own version and its flags, so a cache from
 * another build of the script is recognized by that line and left unused. Without a fitting cache the
 * script compiles from source as usual.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Script } from "node:vm"

type Wrapper = (exports: object, require: NodeJS.Require, module: { exports: object }) => void

/**
 * The code cache in `cache` when it was made from this build of `source`.
 *
 * @category loading
 * @since 0.1.0
 */
export const cacheFor = (source: string, cache: Buffer): Buffer | undefined => {
  const end = source.indexOf("\n")
  // The build line is ASCII (build.mjs writes it), so its length in characters is its length in bytes.
  return end > 0 && cache.length > end + 1 && cache.toString("latin1", 0, end + 1) === source.slice(0, end + 1)
    ? cache.subarray(end + 1)
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
