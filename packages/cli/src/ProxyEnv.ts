/**
 * Which proxy, if any, a request of `get` goes through: `--proxy`, `--no-proxy`, and `HTTPS_PROXY`,
 * `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` (and their lower-case forms) read as curl reads them.
 *
 * Plain TypeScript with no imports: `get` resolves its proxy before anything else runs, and the rules are
 * property-tested on their own.
 *
 * **curl's rules, and where this differs**
 *
 * - The variable for the target's scheme: `https_proxy`/`HTTPS_PROXY` for `https://`, `http_proxy` for
 *   `http://`; else `all_proxy`/`ALL_PROXY`. The lower-case name wins over the upper-case one; an empty value
 *   counts as unset.
 * - curl never reads the upper-case `HTTP_PROXY` ("httpoxy": a CGI script gets a `Proxy:` request header as
 *   `HTTP_PROXY`). This reads it after `http_proxy`, as httpx and undici do, except when `REQUEST_METHOD` is
 *   set, that is, under CGI.
 * - `no_proxy`/`NO_PROXY` (lower case first): `*` alone matches every host; otherwise comma- or
 *   blank-separated names, each matching that host and its subdomains (`example.com` and `.example.com`
 *   both match `api.example.com`, not `notexample.com`), case-insensitively, trailing dots ignored; IP
 *   addresses match IP hosts only, with an optional CIDR suffix (`10.0.0.0/8`, `::1/128`). A name is never
 *   resolved, so `localhost` does not match `127.0.0.1`. It applies to `--proxy` too, as in curl.
 * - Beyond curl: an entry with a port (`example.com:8443`, `[::1]:4010`) matches only that port, as in
 *   undici and Go. curl would never match such an entry.
 * - A proxy URL without a scheme is `http://`; without a port, curl's 1080. Only `http://` proxies are
 *   supported (no `https://` or SOCKS proxies). `user:password@` (percent-encoded) becomes
 *   `Proxy-Authorization: Basic`.
 *
 * @since 0.1.0
 */

/**
 * A usable proxy. `display` is what may ever be shown: scheme, host and port, never the credentials.
 *
 * @category models
 * @since 0.1.0
 */
export interface Proxy {
  /** Without brackets for IPv6, as `net.connect` takes it. */
  readonly host: string
  readonly port: number
  readonly display: string
  /** `Basic ...` when the URL had credentials. */
  readonly authorization: string | undefined
}

/**
 * Where a request goes: direct, through a proxy (and which setting chose it), or nowhere because the
 * setting that applies is unusable (`reason` never quotes it: it may hold a password).
 *
 * @category models
 * @since 0.1.0
 */
export type Route =
  | { readonly _tag: "Direct" }
  | { readonly _tag: "Proxy"; readonly proxy: Proxy; readonly source: string }
  | { readonly _tag: "Invalid"; readonly source: string; readonly reason: string }

/**
 * The command-line side: `--proxy URL` replaces the proxy variables; `--no-proxy` ignores them all.
 *
 * @category models
 * @since 0.1.0
 */
export interface Flags {
  readonly proxy: string | undefined
  readonly noProxy: boolean
}

/**
 * @category models
 * @since 0.1.0
 */
export type Env = Readonly<Record<string, string | undefined>>

/**
 * Parses a proxy URL as curl reads one, or says in a few words why not.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseProxy = (input: string): { readonly proxy: Proxy } | { readonly reason: string } => {
  const text = input.trim()
  if (text === "") return { reason: "the proxy URL is empty" }
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return { reason: "not a URL; expected http://[user:password@]host:port" }
  }
  if (url.protocol !== "http:") {
    return { reason: `only http:// proxies are supported, not ${url.protocol}//` }
  }
  if (url.hostname === "") return { reason: "the proxy URL has no host" }
  let authorization: string | undefined
  if (url.username !== "" || url.password !== "") {
    try {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      authorization = `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`
    } catch {
      return { reason: "the credentials in the proxy URL are not valid percent-encoding" }
    }
  }
  const port = url.port === "" ? 1080 : Number(url.port)
  return {
    proxy: {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port,
      display: `http://${url.hostname}:${port}`,
      authorization
    }
  }
}

// ---- NO_PROXY ---------------------------------------------------------------------------------------------

const ipv4 = (text: string): Array<number> | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const bytes: Array<number> = []
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined
    bytes.push(Number(part))
  }
  return bytes
}

/** 16 bytes of an IPv6 address (with `::` and an embedded IPv4 tail), or `undefined`. */
const ipv6 = (text: string): Array<number> | undefined => {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split("::").length > 2) return undefined
  const expand = (side: string): Array<number> | undefined => {
    if (side === "") return []
    const groups = side.split(":")
    const words: Array<number> = []
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i]!
      if (i === groups.length - 1 && group.includes(".")) {
        const v4 = ipv4(group)
        if (v4 === undefined) return undefined
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
        words.push(parseInt(group, 16))
      } else {
        return undefined
      }
    }
    return words
  }
  const [head, tail] = text.split("::") as [string, string | undefined]
  const left = expand(head)
  const right = tail === undefined ? [] : expand(tail)
  if (left === undefined || right === undefined) return undefined
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined
  const words = [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right]
  return words.flatMap((word) => [word >> 8, word & 0xff])
}

const sameNetwork = (a: ReadonlyArray<number>, b: ReadonlyArray<number>, bits: number) => {
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8))
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff
    if ((a[i]! & mask) !== (b[i]! & mask)) return false
  }
  return true
}

/** Splits `host[:port]` / `[v6][:port]` / a bare IPv6 address into the host and the port, if any. */
const splitPort = (entry: string): { readonly host: string; readonly port: number | undefined } => {
  const bracketed = /^\[([^\]]*)\](?::(\d{1,5}))?$/.exec(entry)
  if (bracketed !== null) {
    return { host: bracketed[1]!, port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) }
  }
  const hostPort = /^([^:]*):(\d{1,5})$/.exec(entry)
  if (hostPort !== null) return { host: hostPort[1]!, port: Number(hostPort[2]) }
  return { host: entry, port: undefined }
}

/**
 * Whether `NO_PROXY` (its value) sends a request to `hostname` (as `URL.hostname` gives it) on `port`
 * direct.
 *
 * @category matching
 * @since 0.1.0
 */
export const bypasses = (noProxy: string, hostname: string, port: number): boolean => {
  if (noProxy.trim() === "*") return true
  const bare = hostname.replace(/^\[|\]$/g, "")
  const v4 = ipv4(bare)
  const v6 = v4 === undefined ? ipv6(bare) : undefined
  const name = bare.toLowerCase().replace(/\.$/, "")
  for (const token of noProxy.split(/[\s,]+/)) {
    if (token === "") continue
    const { host: pattern, port: wanted } = splitPort(token)
    if (wanted !== undefined && wanted !== port) continue
    if (v4 !== undefined || v6 !== undefined) {
      const [network, bitsText] = pattern.split("/") as [string, string | undefined]
      const bits = bitsText === undefined ? NaN : Number(bitsText)
      const other = v4 !== undefined ? ipv4(network) : ipv6(network)
      const width = v4 !== undefined ? 32 : 128
      if (other === undefined) continue
      if (bitsText !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= width)) continue
      // curl reads "/0" and no suffix alike: the whole address.
      if (sameNetwork(v4 ?? v6!, other, bitsText === undefined || bits === 0 ? width : bits)) return true
      continue
    }
    const suffix = pattern.toLowerCase().replace(/\.$/, "").replace(/^\./, "")
    if (suffix === "") continue
    if (name === suffix || name.endsWith(`.${suffix}`)) return true
  }
  return false
}

// ---- choosing ---------------------------------------------------------------------------------------------

const first = (
  env: Env,
  names: ReadonlyArray<string>
): { readonly name: string; readonly value: string } | undefined => {
  for (const name of names) {
    const value = env[name]
    if (value !== undefined && value.trim() !== "") return { name, value }
  }
  return undefined
}

/**
 * The route for a request to `target`, from the flags and the environment.
 *
 * @category routing
 * @since 0.1.0
 */
export const route = (target: URL, env: Env, flags: Flags): Route => {
  if (flags.noProxy) return { _tag: "Direct" }
  if (target.protocol !== "http:" && target.protocol !== "https:") return { _tag: "Direct" }
  const noProxy = first(env, ["no_proxy", "NO_PROXY"])
  const port = target.port === "" ? (target.protocol === "https:" ? 443 : 80) : Number(target.port)
  if (noProxy !== undefined && bypasses(noProxy.value, target.hostname, port)) return { _tag: "Direct" }
  const chosen = flags.proxy !== undefined
    ? { name: "--proxy", value: flags.proxy }
    : first(env, [
      ...(target.protocol === "https:"
        ? ["https_proxy", "HTTPS_PROXY"]
        : ["http_proxy", ...(env.REQUEST_METHOD === undefined ? ["HTTP_PROXY"] : [])]),
      "all_proxy",
      "ALL_PROXY"
    ])
  if (chosen === undefined) return { _tag: "Direct" }
  const parsed = parseProxy(chosen.value)
  return "proxy" in parsed
    ? { _tag: "Proxy", proxy: parsed.proxy, source: chosen.name }
    : { _tag: "Invalid", source: chosen.name, reason: parsed.reason }
}
