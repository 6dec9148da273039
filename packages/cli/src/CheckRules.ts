/**
 * The plain rules of `check`: reading an id file, `--valid-for` durations, the order of organization roles,
 * `--concurrency`, and the table. Nothing here needs Effect or a network, so each rule is tested on its own.
 *
 * @since 0.1.0
 */

/**
 * The organization roles from most to least privileged. The API's schema lists them in this order, and its
 * description says admins may create tokens with any role; an `EXTERNAL` token is a guest's. So `--role
 * MEMBER` accepts `ADMIN` and `MEMBER` tokens and refuses `EXTERNAL` ones.
 *
 * @category constants
 * @since 0.1.0
 */
export const roles = ["ADMIN", "MEMBER", "EXTERNAL"] as const

/**
 * @category models
 * @since 0.1.0
 */
export type Role = typeof roles[number]

/**
 * Whether `role` is `minimum` or above it. A role the API might add later, unknown here, never passes: a
 * gate should not open for what it cannot rank.
 *
 * @category rules
 * @since 0.1.0
 */
export const roleAtLeast = (role: string, minimum: Role): boolean => {
  const rank = (roles as ReadonlyArray<string>).indexOf(role)
  return rank !== -1 && rank <= roles.indexOf(minimum)
}

/**
 * A value the user gave, or why it is refused (the reason names no secret: flags here hold none).
 *
 * @category models
 * @since 0.1.0
 */
export type Parsed<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly reason: string }

const ok = <A>(value: A): Parsed<A> => ({ ok: true, value })
const refused = <A>(reason: string): Parsed<A> => ({ ok: false, reason })

/**
 * `--role`, in any letter case.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseRole = (text: string): Parsed<Role> => {
  const upper = text.trim().toUpperCase()
  const role = roles.find((r) => r === upper)
  return role === undefined ? refused(`--role must be ADMIN, MEMBER or EXTERNAL, got "${text}"`) : ok(role)
}

const units: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000
}

/**
 * The longest `--valid-for`: ten years. Longer is surely a typo, and keeps every sum far inside a double's
 * exact integers.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxValidForMillis = 3650 * units.d!

/**
 * `--valid-for`: one or more whole numbers, each with a unit `s`, `m`, `h`, `d` or `w` (`14d`, `12h`,
 * `1d12h`), in milliseconds; from `0s` to `3650d`.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseValidFor = (text: string): Parsed<number> => {
  const usage = `--valid-for must be a duration such as 14d, 12h, 30m or 1d12h (units s, m, h, d, w), got "${text}"`
  if (!/^(\d{1,6}[smhdw])+$/.test(text)) return refused(usage)
  let millis = 0
  for (const [, count, unit] of text.matchAll(/(\d+)([smhdw])/g)) millis += Number(count) * units[unit!]!
  return millis > maxValidForMillis ? refused(`--valid-for must be at most 3650d, got "${text}"`) : ok(millis)
}

/**
 * The bounds of `--concurrency`: at least one request at a time, and no more than a polite client sends to
 * one API at once.
 *
 * @category constants
 * @since 0.1.0
 */
export const concurrencyLimits = { min: 1, max: 64 } as const

/**
 * `--concurrency`, as `@effect/cli` hands over its integer.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseConcurrency = (n: number): Parsed<number> =>
  Number.isInteger(n) && n >= concurrencyLimits.min && n <= concurrencyLimits.max
    ? ok(n)
    : refused(
      `--concurrency must be a whole number from ${concurrencyLimits.min} to ${concurrencyLimits.max}, got ${n}`
    )

/**
 * `--workspace`: a name as the API stores it; an empty or blank one can match nothing and is a typo.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseWorkspace = (name: string): Parsed<string> =>
  name.trim().length === 0 ? refused("--workspace must not be empty") : ok(name)

/**
 * One id in an id file, with its line number for messages.
 *
 * @category models
 * @since 0.1.0
 */
export interface FileId {
  readonly id: string
  readonly line: number
}

/**
 * The ids in an id file: one per line; blank lines, and everything from a `#` to the end of its line, are
 * ignored; surrounding blanks are trimmed. Lines end in `\n` or `\r\n`. A UTF-8 byte order mark is skipped.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseIdFile = (text: string): ReadonlyArray<FileId> => {
  const ids: Array<FileId> = []
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  lines.forEach((raw, index) => {
    const hash = raw.indexOf("#")
    const id = (hash === -1 ? raw : raw.slice(0, hash)).trim()
    if (id.length > 0) ids.push({ id, line: index + 1 })
  })
  return ids
}

/**
 * How many ids one run takes: the client's cache holds every one of them, and its capacity is bounded.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxIds = 100_000

/**
 * A terminal cell: control characters (a newline in a token's name) would break the table's rows.
 */
const cell = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")

/**
 * A table with a header row and columns padded to their widest cell; the last column is not padded.
 *
 * @category rendering
 * @since 0.1.0
 */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const all = [header, ...rows].map((row) => row.map(cell))
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)))
  return all
    .map((row) =>
      row.map((value, column) => column === row.length - 1 ? value : value.padEnd(widths[column]!)).join("  ")
        .trimEnd()
    )
    .join("\n")
}
