// Summarizes a `node --cpu-prof` profile of an esbuild bundle: self time by area (Effect runtime, Schema,
// @effect/platform, undici, our packages, Node internals), by source module and by function. Positions in
// the bundle are mapped back to modules through the `// path/to/module.js` comments esbuild writes before
// each module in an unminified bundle, so no source map is needed.
//
//   node packages/bench/profile-summary.mjs <file.cpuprofile> <bundle.mjs> [top=25] [requests]
//
// With `requests` (how many requests the profiled process made), each row also shows µs per request.
//
// Prints markdown. Also importable: `summarize(profilePath, bundlePath, top)` returns the same text.
import { readFileSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"

const moduleIndex = (bundlePath) => {
  const lines = readFileSync(bundlePath, "utf8").split("\n")
  const starts = []
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ (\S+\.(?:m?js|ts|mts|cjs|json))$/.exec(lines[i])
    if (m) starts.push({ line: i, module: m[1] })
  }
  // Zero-based line -> module: the last module comment at or above the line.
  return (line) => {
    let lo = 0
    let hi = starts.length - 1
    let found = "(bundle prelude)"
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (starts[mid].line <= line) {
        found = starts[mid].module
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }
}

const shorten = (module) =>
  module
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/^(\.\.\/)+/, "")
    .replace(/\/dist\/(?:esm|cjs|dist)\//, "/")

/** The area a module belongs to. Order matters: the first match wins. */
export const areaOf = (module, functionName, url) => {
  if (functionName === "(garbage collector)") return "GC"
  if (functionName === "(program)" || functionName === "(idle)" || functionName === "(root)") return "idle / program"
  if (url.startsWith("node:internal/deps/undici")) return "undici (Node's built-in copy, behind fetch)"
  if (url.startsWith("wasm://")) return "undici" // llhttp, undici's HTTP parser
  if (url === "" && /^write(?:Latin1|Utf8|Ascii|Ucs2)String$|^writev?$|^writeBuffer$/.test(functionName)) {
    return "socket writes (native; the syscall itself)"
  }
  if (url === "" && functionName === "parse") return "JSON.parse (native)"
  if (url === "" || url.startsWith("node:")) return "Node internals (net, streams, timers, promises, microtasks)"
  if (/\/undici\//.test(module)) return "undici"
  if (/@effect\/platform-node\//.test(module)) return "@effect/platform-node (NodeHttpClient)"
  if (/@effect\/platform\//.test(module)) {
    return "@effect/platform HttpClient machinery (request, url, headers, response, body)"
  }
  if (/(?:^| )effect\/(?:Schema|ParseResult|SchemaAST)\.js|(?:^| )effect\/internal\/schema\//.test(module)) {
    return "effect Schema (decode)"
  }
  if (/\/effect\//.test(module)) return "Effect runtime (fibers, core, FiberRefs, Scope, Stream, Option...)"
  if (/(?:^|\/)client\/src\//.test(module)) return "ours: @deepset-tokens/client"
  if (/(?:^|\/)domain\/src\//.test(module)) return "ours: @deepset-tokens/domain"
  if (/(?:^|\/)testing\/src\//.test(module)) return "fake transport (@deepset-tokens/testing)"
  if (/(?:^|\/)bench\/src\//.test(module)) return "bench harness"
  return "other"
}

export const summarize = (profilePath, bundlePath, top = 25, requests = 0) => {
  const profile = JSON.parse(readFileSync(profilePath, "utf8"))
  const bundleUrl = pathToFileURL(bundlePath).href
  const locate = moduleIndex(bundlePath)
  const selfMicros = new Map()
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0)
  const byArea = new Map()
  const byModule = new Map()
  const byFunction = new Map()
  const add = (map, key, micros) => map.set(key, (map.get(key) ?? 0) + micros)
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0
    if (micros === 0) continue
    const { functionName, lineNumber, url } = node.callFrame
    const raw = url === bundleUrl ? locate(lineNumber) : url === "" ? "(native)" : url
    const module = shorten(raw)
    const area = areaOf(`${raw} ${module}`, functionName, url)
    add(byArea, area, micros)
    add(byModule, module, micros)
    add(byFunction, `${functionName || "(anonymous)"} — ${module}:${lineNumber + 1}`, micros)
  }
  const busy = total - (byArea.get("idle / program") ?? 0)
  const pct = (micros, of) =>
    `${((100 * micros) / of).toFixed(1)}%${requests > 0 ? ` | ${(micros / requests).toFixed(1)}` : ""}`
  const per = requests > 0 ? " | µs / request" : ""
  const perRule = requests > 0 ? " | ---:" : ""
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1])
  const out = []
  out.push(
    `Profile: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (excluding idle)${
      requests > 0 ? `: ${(busy / requests).toFixed(1)} µs of CPU per request` : ""
    }.`
  )
  out.push("")
  out.push(`| area | self ms | % of busy${per} |`)
  out.push(`| --- | ---: | ---:${perRule} |`)
  for (const [area, micros] of sorted(byArea)) {
    if (area === "idle / program") continue
    out.push(`| ${area} | ${(micros / 1000).toFixed(0)} | ${pct(micros, busy)} |`)
  }
  out.push("")
  out.push(`Top ${top} modules by self time:`)
  out.push("")
  out.push(`| module | self ms | % of busy${per} |`)
  out.push(`| --- | ---: | ---:${perRule} |`)
  for (const [module, micros] of sorted(byModule).slice(0, top)) {
    out.push(`| ${module} | ${(micros / 1000).toFixed(0)} | ${pct(micros, busy)} |`)
  }
  out.push("")
  out.push(`Top ${top} functions by self time:`)
  out.push("")
  out.push(`| function — module:line | self ms | % of busy${per} |`)
  out.push(`| --- | ---: | ---:${perRule} |`)
  for (const [fn, micros] of sorted(byFunction).slice(0, top)) {
    if (fn.startsWith("(idle)") || fn.startsWith("(program)")) continue
    out.push(`| ${fn.replaceAll("|", "\\|")} | ${(micros / 1000).toFixed(0)} | ${pct(micros, busy)} |`)
  }
  return out.join("\n")
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [profilePath, bundlePath, top, requests] = process.argv.slice(2)
  if (!profilePath || !bundlePath) {
    process.stderr.write("usage: node profile-summary.mjs <file.cpuprofile> <bundle.mjs> [top]\n")
    process.exit(2)
  }
  process.stdout.write(`${summarize(profilePath, bundlePath, Number(top ?? 25), Number(requests ?? 0))}\n`)
}
