import type { RunnerTask } from "vitest"
import { defineConfig } from "vitest/config"
import type { Reporter } from "vitest/reporters"
import projects from "./vitest.workspace.js"

const count = (tasks: ReadonlyArray<RunnerTask>, totals: { passed: number; failed: number; skipped: number }) => {
  for (const task of tasks) {
    if (task.type === "suite") count(task.tasks, totals)
    else if (task.result?.state === "pass") totals.passed++
    else if (task.result?.state === "fail") totals.failed++
    else totals.skipped++
  }
  return totals
}

/** A plain closing line ("tests: N passed, N failed"), printed last, that CI tooling reads whatever the runner. */
const summary: Reporter = {
  onFinished(files = [], errors = []) {
    const totals = count(files, { passed: 0, failed: 0, skipped: 0 })
    totals.failed += errors.length
    const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : ""
    setImmediate(() => process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed${skipped}\n`))
  }
}

export default defineConfig({
  test: {
    projects,
    reporters: ["default", summary],
    // An unhandled error or rejection anywhere fails the run.
    dangerouslyIgnoreUnhandledErrors: false
  }
})
