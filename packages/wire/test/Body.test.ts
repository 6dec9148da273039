import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BodyAccumulator, bodyOf, brokenWith, decodeText, tooLarge } from "../src/index.js"

const bom = [0xef, 0xbb, 0xbf]

// Bytes that often form (or break) multi-byte sequences and byte-order marks, not just ASCII.
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...bom, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0))
const bytes = fc.array(byte, { maxLength: 64 }).map((array) => Uint8Array.from(array))
const chunks = fc.array(bytes, { maxLength: 8 })

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => Uint8Array.from(parts.flatMap((part) => [...part]))

/** What the undici reader did before the accumulator: Node's UTF-8 decoder, then drop one byte-order mark. */
const nodeText = (input: Uint8Array): string => {
  const text = Buffer.from(input).toString("utf8")
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

describe("decodeText", () => {
  it("is fetch's text(): UTF-8 with one leading byte-order mark dropped, a second one kept", () => {
    expect(decodeText(Uint8Array.from([...bom, 0x7b, 0x7d]))).toBe("{}")
    expect(decodeText(Uint8Array.from([...bom, ...bom, 0x61]))).toBe("\uFEFFa")
    expect(decodeText(Uint8Array.from([0x61, ...bom]))).toBe("a\uFEFF")
  })

  it("agrees byte for byte with Node's decoder and its BOM handling, on any bytes", () => {
    fc.assert(fc.property(bytes, (input) => {
      expect(decodeText(input)).toBe(nodeText(input))
    }))
  })

  it("agrees with Response.text() on any bytes", async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (input) => {
        expect(decodeText(input)).toBe(await new Response(input).text())
      })
    )
  })
})

describe("BodyAccumulator", () => {
  it("keeps every chunk up to the cap and refuses the first that would pass it", () => {
    fc.assert(fc.property(chunks, fc.integer({ min: 0, max: 300 }), (parts, max) => {
      const body = new BodyAccumulator(max)
      const kept: Array<Uint8Array> = []
      let refused = false
      for (const part of parts) {
        const fits = kept.reduce((n, k) => n + k.length, 0) + part.length <= max
        expect(body.push(part)).toBe(fits)
        if (!fits) {
          refused = true
          break
        }
        kept.push(part)
      }
      expect(body.size).toBe(kept.reduce((n, k) => n + k.length, 0))
      expect(body.size).toBeLessThanOrEqual(max)
      expect([...body.bytes()]).toEqual([...concat(kept)])
      if (!refused) expect(body.text()).toBe(decodeText(concat(parts)))
    }))
  })

  it("gives the same text however the bytes are split into chunks (a character may straddle two)", () => {
    fc.assert(fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), (input, cuts) => {
      const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b)
      const body = new BodyAccumulator(Infinity)
      let from = 0
      for (const point of [...points, input.length]) {
        body.push(input.subarray(from, point))
        from = point
      }
      expect(body.text()).toBe(decodeText(input))
    }))
  })

  it("hands back a single chunk without copying it, and nothing as empty", () => {
    const only = Uint8Array.from([1, 2, 3])
    const body = new BodyAccumulator(3)
    expect(body.bytes().length).toBe(0)
    expect(body.text()).toBe("")
    body.push(only)
    expect(body.bytes()).toBe(only)
  })

  it("clear lets go of what it kept", () => {
    const body = new BodyAccumulator(10)
    body.push(Uint8Array.from([0x61, 0x62]))
    body.clear()
    expect(body.size).toBe(0)
    expect(body.text()).toBe("")
    expect(body.push(new Uint8Array(10))).toBe(true)
  })
})

describe("Body constructors", () => {
  it("say which of whole, over the cap and broken a body is", () => {
    fc.assert(fc.property(fc.string(), (text) => {
      expect(bodyOf(text)).toEqual({ text, truncated: false, broken: undefined })
      expect(brokenWith(text)).toEqual({ text: "", truncated: false, broken: text })
    }))
    expect(tooLarge).toEqual({ text: "", truncated: true, broken: undefined })
    expect(Object.isFrozen(tooLarge)).toBe(true)
  })
})
