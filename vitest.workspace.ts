/**
 * The test projects. Vitest 3.2 deprecates workspace files, so `vitest.config.ts` passes this list to
 * `test.projects`; the file stays because the design card names it, and it is what Vitest 4 expects.
 */
export default ["packages/*", "examples/*"]
