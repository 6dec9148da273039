// Bundles the CLI into one ESM file: workspace packages export TypeScript sources, and one file also
// starts faster than resolving hundreds of modules.
import { build } from "esbuild"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))

await build({
  entryPoints: [`${here}src/bin.ts`],
  outfile: `${here}dist/deepset-tokens.js`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // Some bundled CommonJS dependencies require Node built-ins; give ESM a require for them.
  banner: {
    js:
      "import { createRequire as __createRequire } from \"node:module\";const require = __createRequire(import.meta.url);"
  }
})
