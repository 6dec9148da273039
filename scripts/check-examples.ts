/**
 * Type-checks every TSDoc `@example` in packages/*\/src against the workspace packages, so an example that
 * no longer compiles fails CI (`pnpm verify`). Each ```ts block after an `@example` tag becomes a module of
 * its own, placed in the package it documents; a new package or a new example is picked up without a change
 * here.
 *
 * Why not `@effect/docgen`: its 0.5 line (the one for Effect 3) also runs every example with tsx, and ours
 * call the real API (`Effect.runPromise` on a layer that reads DEEPSET_API_KEY), which CI has no network or
 * key for. Type-checking is what keeps an example true; the behaviour is covered by the tests.
 *
 * Run: `npx -y pnpm@10.34.9 check-examples`. Exits 1 with each error at the example's line in its source.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = fileURLToPath(new URL("..", import.meta.url))

export interface Example {
  /** The source file that documents it, relative to the repository root. */
  readonly source: string
  /** The 1-based line in `source` where the example's code starts. */
  readonly line: number
  readonly code: string
  /** The module the checker compiles: in the package's directory, so its dependencies resolve. */
  readonly file: string
}

const walk = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : name.endsWith(".ts") ? [path] : []
  })

/** The ```ts blocks that follow an `@example` tag in the doc comments of `text`. */
export const examplesIn = (text: string): ReadonlyArray<{ readonly line: number; readonly code: string }> => {
  const found: Array<{ line: number; code: string }> = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0].split("\n").map((l) => l.replace(/^\s*\*? ?/, ""))
    const startLine = text.slice(0, comment.index).split("\n").length
    let inExample = false
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!
      if (/^@\w/.test(l)) inExample = l.startsWith("@example")
      if (!inExample || !/^```(ts|typescript)\s*$/.test(l)) continue
      const end = lines.findIndex((m, j) => j > i && m.startsWith("```"))
      if (end === -1) throw new Error(`unclosed example at line ${startLine + i}`)
      found.push({ line: startLine + i + 1, code: `${lines.slice(i + 1, end).join("\n")}\n` })
      i = end
    }
  }
  return found
}

export const examples = (): ReadonlyArray<Example> =>
  readdirSync(join(root, "packages")).sort().flatMap((pkg) => {
    const src = join(root, "packages", pkg, "src")
    try {
      statSync(src)
    } catch {
      return []
    }
    return walk(src).flatMap((path) =>
      examplesIn(readFileSync(path, "utf8")).map(({ code, line }, n) => ({
        source: relative(root, path),
        line,
        code,
        file: join(root, "packages", pkg, ".examples", `${relative(src, path).replaceAll("/", "_")}-${n}.ts`)
      }))
    )
  })

/** Where `@deepset-tokens/<name>` lives, by package name, for any package in packages/. */
const workspace = new Map(
  readdirSync(join(root, "packages")).flatMap((pkg) => {
    try {
      const manifest = JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8")) as {
        name: string
      }
      return [[manifest.name, join(root, "packages", pkg, "package.json")] as const]
    } catch {
      return []
    }
  })
)

const check = (all: ReadonlyArray<Example>): ReadonlyArray<string> => {
  const config = ts.readConfigFile(join(root, "tsconfig.base.json"), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    // An example shows one thing; what it declares and leaves unused is for the reader.
    noUnusedLocals: false,
    noUnusedParameters: false,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    noEmit: true
  }
  const virtual = new Map(all.map((e) => [e.file, e.code]))
  const host = ts.createCompilerHost(compilerOptions)
  const { fileExists, getSourceFile, readFile } = host
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f)
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f)
  host.getSourceFile = (f, lang, ...rest) => {
    const code = virtual.get(f)
    return code === undefined ? getSourceFile.call(host, f, lang, ...rest) : ts.createSourceFile(f, code, lang)
  }
  // A workspace package resolves from wherever the example is, as a user's app would import it, even when
  // the documented package does not depend on it (testing's examples use the client).
  const moduleResolutionCache = ts.createModuleResolutionCache(root, (f) => f, compilerOptions)
  host.resolveModuleNameLiterals = (literals, containingFile, redirect, opts, sourceFile) =>
    literals.map((literal) => {
      const name = literal.text
      const pkg = [...workspace.keys()].find((p) => name === p || name.startsWith(`${p}/`))
      const from = pkg !== undefined && virtual.has(containingFile) ? workspace.get(pkg)! : containingFile
      return ts.resolveModuleName(
        name,
        from,
        opts,
        host,
        moduleResolutionCache,
        redirect,
        ts.getModeForUsageLocation(sourceFile, literal, opts)
      )
    })
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options: compilerOptions, host })
  const byFile = new Map(all.map((e) => [e.file, e]))
  // Only the examples: the sources themselves are checked by tsc -b.
  const diagnostics = [...byFile.keys()].flatMap((file) => {
    const sf = program.getSourceFile(file)!
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
  })
  return [...program.getOptionsDiagnostics(), ...diagnostics].flatMap((d) => {
    const example = d.file === undefined ? undefined : byFile.get(d.file.fileName)
    if (example === undefined) return [ts.flattenDiagnosticMessageText(d.messageText, "\n")]
    const at = d.start === undefined ? 0 : d.file!.getLineAndCharacterOfPosition(d.start).line
    return [`${example.source}:${example.line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`]
  })
}

const all = examples()
const errors = check(all)
for (const error of errors) console.error(error)
console.log(`${all.length} TSDoc examples in ${new Set(all.map((e) => e.source)).size} files: ${errors.length} errors`)
if (errors.length > 0 || all.length === 0) process.exit(1)
