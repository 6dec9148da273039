/**
 * Fails a test file that leaves servers or sockets open behind it. Loaded by every package's project
 * (vitest.shared.ts). Idle keep-alive sockets close a moment after their server does, so it waits briefly.
 */
import { afterAll } from "vitest"

const watched = new Set(["TCPServerWrap", "TCPSocketWrap", "PipeServerWrap", "ProcessWrap"])
const openHandles = () => process.getActiveResourcesInfo().filter((name) => watched.has(name))
const baseline = openHandles().length

afterAll(async () => {
  const deadline = Date.now() + 3000
  while (openHandles().length > baseline && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const left = openHandles()
  if (left.length > baseline) {
    throw new Error(`open handles left behind by this test file: ${left.join(", ")}`)
  }
})
