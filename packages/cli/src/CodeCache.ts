/**
 * Loads a bundled script with V8's code cache for it: the compiled bytecode that `build.mjs` saved next to
 * the script, so that a fresh process neither parses nor compiles what the cache holds.
 *
 * The script is one function expression, `(function (exports, require, module) { ... })`: `build.mjs`
 * wraps the CommonJS bundle so. V8 checks the cache against the source, its own version and its flags, and
 * compiles from source as usual when the cache is missing or does not fit.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Script } from "node:vm"

type Wrapper = (exports: object, require: NodeJS.Require, module: { exports: object }) => void

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file)
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
  const cachedData = readCache(`${file}.cache`)
  const script = new Script(readFileSync(file, "utf8"), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData })
  })
  const module = { exports: {} }
  const wrapper = script.runInThisContext() as Wrapper
  wrapper(module.exports, createRequire(file), module)
  return module.exports
}
