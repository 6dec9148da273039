import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Option } from "effect"
import { UnexpectedStatus } from "../src/index.js"

describe("UnexpectedStatus", () => {
  it("status 0 (a browser's opaque redirect) says that a redirect was refused", () => {
    const error = new UnexpectedStatus({ status: 0, requestId: Option.none(), bodyExcerpt: "" })
    expect(error.message).toMatch(/^A redirect was refused/)
  })

  it.prop("any other status names itself, and its body excerpt", [fc.integer({ min: 100, max: 599 }), fc.string()], (
    [status, body]
  ) => {
    const error = new UnexpectedStatus({ status, requestId: Option.none(), bodyExcerpt: body })
    expect(error.message).toContain(`Unexpected HTTP status ${status}`)
    if (body.length > 0) expect(error.message).toContain(JSON.stringify(body))
  })
})
