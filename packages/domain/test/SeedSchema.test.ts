/**
 * Our schemas, turned into JSON Schema (which describes the encoded side, the wire), must say what the API's
 * own schema says: required keys, types, nullability, enums and formats. The seed fragment is vendored in
 * fixtures/ so the test reads no file outside the repo.
 */
import { describe, expect, it } from "@effect/vitest"
import { JSONSchema } from "effect"
import type * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { HTTPValidationError, TokenMeta } from "../src/index.js"

type Json = { readonly [key: string]: unknown }

const seed = JSON.parse(
  readFileSync(new URL("./fixtures/retrieve-token.openapi.json", import.meta.url), "utf8")
) as Json
const operation = ((seed["paths"] as Json)["/api/v1/token/{api_token_id}"] as Json)["get"] as Json
const responseSchema = (status: string): Json =>
  ((((operation["responses"] as Json)[status] as Json)["content"] as Json)["application/json"] as Json)[
    "schema"
  ] as Json

const derive = (schema: Schema.Schema.AnyNoContext): { root: Json; defs: Json } => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  // The seed leaves objects open (no additionalProperties), as our decoding does: unknown fields are ignored.
  const root = JSONSchema.fromAST(schema.ast, { definitions, additionalPropertiesStrategy: "allow" })
  return { root: root as unknown as Json, defs: definitions as unknown as Json }
}

const resolve = (node: Json, defs: Json): Json => {
  let current = node
  for (let i = 0; i < 10 && typeof current["$ref"] === "string"; i++) {
    const name = (current["$ref"] as string).replace("#/$defs/", "")
    current = { ...(defs[name] as Json), ...Object.fromEntries(Object.entries(current).filter(([k]) => k !== "$ref")) }
  }
  return current
}

interface Shape {
  readonly types: ReadonlyArray<string>
  readonly format: string | undefined
  readonly enum: ReadonlyArray<unknown> | undefined
}

/** The facts about one node that both sides must agree on, with `anyOf` flattened. */
const shapeOf = (node: Json, defs: Json): Shape => {
  const resolved = resolve(node, defs)
  const anyOf = resolved["anyOf"] as ReadonlyArray<Json> | undefined
  if (anyOf !== undefined) {
    const members = anyOf.map((member) => shapeOf(member, defs))
    return {
      types: members.flatMap((m) => m.types).sort(),
      format: members.map((m) => m.format).find((f) => f !== undefined),
      enum: members.map((m) => m.enum).find((e) => e !== undefined)
    }
  }
  const type = resolved["type"]
  return {
    types: type === undefined ? [] : [type as string],
    format: resolved["format"] as string | undefined,
    enum: resolved["enum"] as ReadonlyArray<unknown> | undefined
  }
}

/** Walks both schemas in parallel and returns one line per disagreement. */
const compare = (path: string, ours: Json, theirs: Json, ourDefs: Json): ReadonlyArray<string> => {
  const o = resolve(ours, ourDefs)
  const problems: Array<string> = []
  const os = shapeOf(o, ourDefs)
  const ts = shapeOf(theirs, {})
  // The seed's `{ "title": "Input" }` (any JSON) carries no type; ours must not narrow it either.
  if (JSON.stringify(os.types) !== JSON.stringify(ts.types)) {
    problems.push(`${path}: types ${JSON.stringify(os.types)} vs seed ${JSON.stringify(ts.types)}`)
  }
  if (os.format !== ts.format) problems.push(`${path}: format ${os.format} vs seed ${ts.format}`)
  if (JSON.stringify(os.enum) !== JSON.stringify(ts.enum)) {
    problems.push(`${path}: enum ${JSON.stringify(os.enum)} vs seed ${JSON.stringify(ts.enum)}`)
  }
  if (theirs["type"] === "object" && o["additionalProperties"] === false) problems.push(`${path}: closed object`)
  if (theirs["deprecated"] === true && o["deprecated"] !== true) problems.push(`${path}: not marked deprecated`)
  if (theirs["type"] === "object" && theirs["properties"] !== undefined) {
    const theirProps = theirs["properties"] as Json
    const ourProps = (o["properties"] ?? {}) as Json
    const theirRequired = [...((theirs["required"] ?? []) as ReadonlyArray<string>)].sort()
    const ourRequired = [...((o["required"] ?? []) as ReadonlyArray<string>)].sort()
    if (JSON.stringify(theirRequired) !== JSON.stringify(ourRequired)) {
      problems.push(`${path}: required ${JSON.stringify(ourRequired)} vs seed ${JSON.stringify(theirRequired)}`)
    }
    const keys = new Set([...Object.keys(theirProps), ...Object.keys(ourProps)])
    for (const key of keys) {
      if (!(key in ourProps)) problems.push(`${path}.${key}: missing from our schema`)
      else if (!(key in theirProps)) problems.push(`${path}.${key}: not in the seed`)
      else problems.push(...compare(`${path}.${key}`, ourProps[key] as Json, theirProps[key] as Json, ourDefs))
    }
  }
  if (theirs["type"] === "array") {
    problems.push(...compare(`${path}[]`, o["items"] as Json, theirs["items"] as Json, ourDefs))
  }
  if ("default" in theirs && JSON.stringify(o["default"]) !== JSON.stringify(theirs["default"])) {
    problems.push(`${path}: default ${JSON.stringify(o["default"])} vs seed ${JSON.stringify(theirs["default"])}`)
  }
  return problems
}

describe("JSON Schema derived from our schemas matches the seed", () => {
  it("TokenMeta (200)", () => {
    const { defs, root } = derive(TokenMeta)
    expect(compare("TokenMeta", root, responseSchema("200"), defs)).toEqual([])
  })

  it("HTTPValidationError (422)", () => {
    const { defs, root } = derive(HTTPValidationError)
    expect(compare("HTTPValidationError", root, responseSchema("422"), defs)).toEqual([])
  })

  it("carries the seed's titles and descriptions", () => {
    const { defs, root } = derive(TokenMeta)
    const theirs = responseSchema("200")["properties"] as Json
    const ours = resolve(root, defs)["properties"] as Json
    for (const [key, value] of Object.entries(theirs)) {
      const mine = resolve(ours[key] as Json, defs)
      expect({ key, title: mine["title"], description: mine["description"] }).toEqual({
        key,
        title: (value as Json)["title"],
        description: (value as Json)["description"]
      })
    }
  })

  it("the comparison catches a drift", () => {
    const { defs, root } = derive(TokenMeta)
    const drifted = structuredClone(responseSchema("200")) as { required: Array<string> }
    drifted.required = drifted.required.filter((key) => key !== "role")
    expect(compare("TokenMeta", root, drifted as unknown as Json, defs)).toHaveLength(1)
  })

  it("the path parameter is a UUID, as ApiTokenId is", () => {
    const parameter = (operation["parameters"] as ReadonlyArray<Json>)[0] as Json
    expect((parameter["schema"] as Json)["format"]).toBe("uuid")
  })
})
