const canonical = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const compact = /^[0-9a-fA-F]{32}$/

/**
 * The server's view of a path id: like pydantic's UUID type it takes the hyphenated and the 32-digit form
 * in any case, and gives back the canonical lowercase form, or `undefined`.
 *
 * @internal
 */
export const parseServerUuid = (segment: string): string | undefined => {
  if (canonical.test(segment)) return segment.toLowerCase()
  if (compact.test(segment)) {
    const s = segment.toLowerCase()
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }
  return undefined
}
