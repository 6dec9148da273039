/**
 * Code examples in the Markdown docs are copies of files that the tests type-check and run. A doc marks each
 * copy with the file it comes from:
 *
 *     <!-- example: packages/client/test/examples/usage.ts -->
 *     ```ts
 *     (the file, verbatim)
 *     ```
 *     <!-- /example -->
 *
 * `pnpm docs:generate` (scripts/docs.ts) fills the blocks in; `Docs.test.ts` fails when one differs from its file.
 */

const pattern = /<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```\n<!-- \/example -->/g

export interface Example {
  /** The file, relative to the repository root. */
  readonly path: string
  /** What the doc shows. */
  readonly shown: string
}

/** Every marked example in `doc`. */
export const examples = (doc: string): ReadonlyArray<Example> =>
  [...doc.matchAll(pattern)].map((m) => ({ path: m[1]!, shown: m[2]! }))

/** `doc` with each marked block replaced by its file's text, as `read(path)` returns it. */
export const withExamples = (doc: string, read: (path: string) => string): string =>
  doc.replace(
    pattern,
    (_, path: string) => `<!-- example: ${path} -->\n\`\`\`ts\n${read(path)}\`\`\`\n<!-- /example -->`
  )

/**
 * The Markdown files that may hold generated parts, relative to `root`: the root's and each package's top
 * level. A package added later is covered without a change here.
 */
export const docs = (root: string, list: (dir: string) => ReadonlyArray<string>): ReadonlyArray<string> => [
  ...list(root).filter((f) => f.endsWith(".md")),
  ...list(`${root}packages`).flatMap((p) =>
    list(`${root}packages/${p}`).filter((f) => f.endsWith(".md")).map((f) => `packages/${p}/${f}`)
  )
]
