import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

/**
 * Settings every package's project shares (projects do not inherit the root config). Property tests run
 * hundreds of cases and CI has 2 cores shared by parallel files, so the default 5 s per test is too tight.
 */
export const shared = defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ["test/**/*.test.ts"],
    setupFiles: [fileURLToPath(new URL("./test/no-open-handles.ts", import.meta.url))]
  }
})
