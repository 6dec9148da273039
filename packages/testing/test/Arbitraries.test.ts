import { parseApiTokenId, TokenMeta } from "@deepset-tokens/domain"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, Schema } from "effect"
import { Arbitraries } from "../src/index.js"

const now = DateTime.unsafeMake(Date.UTC(2026, 0, 1))

describe("Arbitraries", () => {
  it.prop("nonUuidString is never accepted as a token id", [Arbitraries.nonUuidString], ([input]) => {
    const parsed = parseApiTokenId(input)
    expect(Either.isLeft(parsed)).toBe(true)
    if (Either.isLeft(parsed)) expect(parsed.left.length).toBeGreaterThan(0)
  })

  it.prop("apiTokenId is always accepted, unchanged", [Arbitraries.apiTokenId], ([id]) => {
    expect(parseApiTokenId(id)).toEqual(Either.right(id))
  })

  it.prop("realisticTokenMeta is a valid, consistent TokenMeta", [Arbitraries.realisticTokenMeta(now)], ([token]) => {
    expect(Schema.is(TokenMeta)(token)).toBe(true)
    expect(token.masked_token).toMatch(/^[a-z0-9]{4}\*{4}[a-z0-9]{4}$/)
    expect(token.expires).toBe(token.expires_at !== null)
    expect(token.role).toBe(token.organization_role)
    if (token.all_workspaces) expect(token.workspaces).toEqual([])
  })
})
