import { FerrisError } from '../errors/ferris-error.js'
import { REDACTED, redactSecrets } from '../errors/redact.js'
import type { ConnectionHost, ConnectionString } from './connection-string.js'

/**
 * Connection strings follow RFC 3986 with the liberties data systems take: a comma-separated host list
 * (`kafka://h1:9092,h2:9092`), bracketed IPv6 hosts, repeated and empty parameters, and file paths written
 * the way people write them (`file:./rel.csv`, `file://./rel.csv`, `file:///C:/x.csv`, `file:C:\x.csv`).
 *
 * Decisions worth knowing:
 * - A bare path (`./in.csv`, `/data/in.csv`, `C:\data\in.csv`) is rejected: without a scheme there is no way
 *   to tell which connector is meant, and `C:` would read as a scheme. The error says to write `file:` in front.
 * - `+` in a query is a literal plus, not a space (that rule belongs to HTML forms, not URIs): write `%20` for
 *   a space. `format` writes `+` as `%2B` so other parsers cannot misread it either.
 * - `#` has no meaning (there are no fragments); it is kept as text, and `format` encodes it.
 * - A parameter without `=` (`?flag`) has the empty value; boolean options read it as true.
 */

const EXPECTED_FORM =
  '<scheme>://[<user>[:<password>]@]<host>[:<port>][,<host>[:<port>]...][/<path>][?<key>=<value>&...]'
const FILE_FORMS = 'file:///absolute/path, file:./relative/path or file:///C:/windows/path'

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/
const HEX2 = /^[0-9A-Fa-f]{2}$/

/** Marks parsed objects so printing them (`String(cs)`, `JSON.stringify`, `console.log`) never shows the password. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * Parses a connection string. `subject` names where it came from (`orders.uri`) for error messages.
 * Malformed input fails with FERRIS_CONNECTION_STRING_INVALID showing the redacted input and the expected form.
 */
export function parseConnectionString(text: string, subject = 'connection string'): ConnectionString {
  const input = text.trim()
  const fail = (problem: string, options: { value?: string; hint?: string; expected?: string } = {}): never => {
    throw connectionStringError(subject, input, problem, options)
  }

  if (input === '') fail('is empty', { hint: 'Write a connection string such as file:///data/in.csv' })
  if (WINDOWS_DRIVE.test(input) || /^\.{0,2}[\\/]/.test(input) || !SCHEME.test(input)) {
    const looksLikePath = WINDOWS_DRIVE.test(input) || /^\.{0,2}[\\/](?![\\/])/.test(input)
    fail('has no scheme', {
      hint: looksLikePath
        ? `A bare path is not a connection string: write file:${input.startsWith('/') ? '//' : ''}${input}`
        : 'Start it with the connector scheme, e.g. kafka://, s3://, file://, postgresql://',
    })
  }
  const m = SCHEME.exec(input)!
  const scheme = m[1]!.toLowerCase()
  let rest = input.slice(m[0].length)

  const queryAt = rest.indexOf('?')
  const query = queryAt < 0 ? undefined : rest.slice(queryAt + 1)
  rest = queryAt < 0 ? rest : rest.slice(0, queryAt)

  let username: string | undefined
  let password: string | undefined
  let hosts: ConnectionHost[] = []
  let rawPath: string
  if (rest.startsWith('//') && !(scheme === 'file' && /^\/\/\.{1,2}([\\/]|$)/.test(rest))) {
    const afterSlashes = rest.slice(2)
    const authorityEnd = findAuthorityEnd(afterSlashes, scheme)
    const authority = afterSlashes.slice(0, authorityEnd)
    rawPath = afterSlashes.slice(authorityEnd)
    const at = authority.lastIndexOf('@')
    const hostPart = at < 0 ? authority : authority.slice(at + 1)
    if (at >= 0) {
      const userinfo = authority.slice(0, at)
      const colon = userinfo.indexOf(':')
      username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name', fail)
      if (colon >= 0) password = decode(userinfo.slice(colon + 1), 'password', fail, true)
    }
    // An '@' after the authority means a user name or password held an unencoded '/', '?' or '#': the host
    // text then holds part of the secret, so the error must not quote it.
    const misplacedUserinfo = at < 0 && /@/.test(rawPath + (query ?? ''))
    const hostFail: Fail = misplacedUserinfo
      ? () =>
          fail('has a host list that does not parse', {
            hint: 'If the user name or password holds "/", "?", "#" or "@", percent-encode them as %2F, %3F, %23, %40',
          })
      : fail
    hosts = parseHosts(hostPart, hostFail)
  } else {
    // `file:./x`, `file:C:\x`, `file://./x`, `mailto:`-style opaque forms: everything is the path.
    rawPath = scheme === 'file' && rest.startsWith('//') ? rest.slice(2) : rest
  }

  let path = rawPath
  if (scheme === 'file') {
    if (/^\/[A-Za-z]:([\\/]|$)/.test(path)) path = path.slice(1) // file:///C:/x → C:/x
    if (WINDOWS_DRIVE.test(path) || /^\.{1,2}\\/.test(path) || path.startsWith('\\\\')) {
      // Windows spellings: backslashes typed in the text are separators. An encoded %5C stays a backslash.
      path = path.replaceAll('\\', '/')
    }
    if (path === '' && hosts.length === 0) fail('names no file', { expected: FILE_FORMS })
  }
  path = decode(path, 'path', fail)

  const params: Array<readonly [string, string]> = []
  if (query !== undefined && query !== '') {
    for (const piece of query.split('&')) {
      if (piece === '') continue
      const eq = piece.indexOf('=')
      const rawKey = eq < 0 ? piece : piece.slice(0, eq)
      if (rawKey === '') {
        fail(`has a parameter without a name ("${redactSecrets(piece)}")`, {
          hint: 'Write parameters as key=value, separated by &',
        })
      }
      const key = decode(rawKey, 'parameter name', fail)
      const secret = /pass|secret|token|key|credential/i.test(key)
      const value = eq < 0 ? '' : decode(piece.slice(eq + 1), `value of parameter "${key}"`, fail, secret)
      params.push([key, value] as const)
    }
  }

  const result: ConnectionString = {
    scheme,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    hosts,
    path,
    params,
  }

  return withSafePrinting(result)
}

/** Prints a connection string; the password is redacted unless `revealPassword` is set. */
export function formatConnectionString(cs: ConnectionString, options: { revealPassword?: boolean } = {}): string {
  const scheme = cs.scheme.toLowerCase()
  const hasAuthority = cs.hosts.length > 0 || cs.username !== undefined || cs.password !== undefined
  let out = `${scheme}:`
  if (hasAuthority || cs.path.startsWith('/') || (scheme === 'file' && WINDOWS_DRIVE.test(cs.path))) {
    out += '//'
    if (cs.username !== undefined || cs.password !== undefined) {
      out += encodePart(cs.username ?? '', USERINFO_SAFE)
      if (cs.password !== undefined) {
        out += `:${options.revealPassword === true ? encodePart(cs.password, USERINFO_SAFE) : REDACTED}`
      }
      out += '@'
    }
    out += cs.hosts.map(formatHost).join(',')
    if (cs.path !== '') {
      const path = /^[A-Za-z]:\//.test(cs.path) || !cs.path.startsWith('/') ? `/${cs.path}` : cs.path
      out += encodePart(path, PATH_SAFE)
    }
  } else {
    out += encodePart(cs.path, PATH_SAFE)
  }
  if (cs.params.length > 0) {
    out += `?${cs.params
      .map(([k, v]) => {
        const value = options.revealPassword !== true && isSecretParam(k) ? REDACTED : encodePart(v, QUERY_SAFE)

        return v === '' ? encodePart(k, QUERY_SAFE) : `${encodePart(k, QUERY_SAFE)}=${value}`
      })
      .join('&')}`
  }

  return out
}

/**
 * Masks the password and secret parameters of connection-string text, even when the text does not parse.
 * Use it before putting user input into a message or a log.
 */
export function redactConnectionString(text: string): string {
  let out = text
  const start = out.indexOf('://')
  if (start >= 0) {
    const at = out.lastIndexOf('@')
    const colon = out.indexOf(':', start + 3)
    const slash = out.slice(start + 3).search(/[/?#]/)
    const authorityEnd = slash < 0 ? out.length : start + 3 + slash
    // Everything between the first ':' of the userinfo and the last '@' is taken as the password: an
    // unencoded password may itself hold '/', '?', ':' or '@', so no narrower rule is safe. The price is
    // hiding a little too much of a URI whose query holds an '@'.
    if (colon >= 0 && colon < authorityEnd && colon < at) out = `${out.slice(0, colon + 1)}${REDACTED}${out.slice(at)}`
  }

  return redactSecrets(out)
}

/** The last value of a parameter, or undefined. */
export function getParam(cs: ConnectionString, key: string): string | undefined {
  for (let i = cs.params.length - 1; i >= 0; i--) {
    const p = cs.params[i]!
    if (p[0] === key) return p[1]
  }

  return undefined
}

/** Every value of a parameter, in order. */
export function getParams(cs: ConnectionString, key: string): string[] {
  return cs.params.filter((p) => p[0] === key).map((p) => p[1])
}

/**
 * The parameters as raw options for `validateOptions`: a repeated key's values are joined with commas, so
 * `?topic=a&topic=b` feeds a list option the same as `?topic=a,b`. The common body of `fromConnectionString`.
 */
export function paramsToOptions(cs: ConnectionString): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of cs.params) out[k] = Object.hasOwn(out, k) && out[k] !== '' ? `${out[k]},${v}` : v

  return out
}

function isSecretParam(key: string): boolean {
  return /pass|secret|token|credential|api[_-]?key|private[_-]?key|access[_-]?key/i.test(key)
}

function connectionStringError(
  subject: string,
  input: string,
  problem: string,
  options: { value?: string; hint?: string; expected?: string },
): FerrisError {
  const shown = redactConnectionString(input)
  const expected = options.expected ?? EXPECTED_FORM
  const hint = options.hint ?? 'Fix the connection string in the WITH clause or on the command line'

  return new FerrisError(
    'FERRIS_CONNECTION_STRING_INVALID',
    `${subject}: the connection string "${shown}" ${problem}. Expected ${expected}. ${hint}.`,
    { subject, value: shown, expected, hint },
  )
}

type Fail = (problem: string, options?: { value?: string; hint?: string; expected?: string }) => never

/** Where the authority ends: the first `/` outside brackets (or for file URIs, the start of a drive letter). */
function findAuthorityEnd(text: string, scheme: string): number {
  if (scheme === 'file' && WINDOWS_DRIVE.test(text)) return 0 // file://C:/x, a common misspelling of file:///C:/x
  let inBracket = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '[') inBracket = true
    else if (c === ']') inBracket = false
    else if (c === '/' && !inBracket) return i
  }

  return text.length
}

function parseHosts(text: string, fail: Fail): ConnectionHost[] {
  if (text === '') return []
  const entries = splitHosts(text, fail)

  return entries.map((entry, i) => {
    if (entry === '') {
      fail(`has an empty entry at position ${i + 1} of its host list`, {
        hint: 'Remove the extra comma or add the missing host',
      })
    }
    let host: string
    let portText: string | undefined
    if (entry.startsWith('[')) {
      const close = entry.indexOf(']')
      if (close < 0) fail(`has an unterminated "[" in host "${entry}"`, { hint: 'Close the IPv6 address with "]"' })
      host = entry.slice(1, close)
      const after = entry.slice(close + 1)
      if (after !== '' && !after.startsWith(':')) {
        fail(`has unexpected text "${after}" after the IPv6 address [${host}]`, {
          hint: 'Write an IPv6 host as [address]:port',
        })
      }
      portText = after === '' ? undefined : after.slice(1)
      if (!/^[0-9A-Fa-f:.]+(%25[\w.~-]+)?$/.test(host) || !host.includes(':')) {
        fail(`has an invalid IPv6 address "[${host}]"`, { hint: 'Write an IPv6 host as [::1]:9092' })
      }
      host = host.replace('%25', '%')
    } else {
      if (entry.includes(']')) fail(`has an unmatched "]" in host "${entry}"`)
      const colon = entry.lastIndexOf(':')
      if (colon >= 0 && entry.indexOf(':') !== colon) {
        fail(`has an IPv6 address "${entry}" without brackets`, { hint: `Write it as [${entry}] or [address]:port` })
      }
      const rawHost = colon < 0 ? entry : entry.slice(0, colon)
      const bad = /[^A-Za-z0-9\-._~!$&'()*+;=%]/.exec(rawHost)
      if (bad !== null) {
        fail(`has the character ${JSON.stringify(bad[0])} in host "${rawHost}"`, {
          hint: 'Host names hold letters, digits, "-" and "."; percent-encode anything else (a socket path as %2Fvar%2Frun)',
        })
      }
      host = decode(rawHost, 'host', fail)
      portText = colon < 0 ? undefined : entry.slice(colon + 1)
      if (host === '') fail(`has a port without a host ("${entry}")`, { hint: 'Write host:port' })
    }
    if (portText === undefined) return { host }

    return { host, port: parsePort(portText, host, fail) }
  })
}

function splitHosts(text: string, fail: Fail): string[] {
  const out: string[] = []
  let start = 0
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '[') {
      if (depth > 0) fail('has a "[" inside an IPv6 address')
      depth = 1
    } else if (c === ']') depth = 0
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i))
      start = i + 1
    }
  }
  if (depth > 0) {
    fail(`has an unterminated "[" in its host list "${text.slice(text.lastIndexOf('['))}"`, {
      hint: 'Close the IPv6 address with "]", e.g. [::1]:9092',
    })
  }
  out.push(text.slice(start))

  return out
}

function parsePort(text: string, host: string, fail: Fail): number {
  if (!/^\d+$/.test(text)) {
    fail(`has the port "${text}" for host "${host}", which is not a number`, {
      expected: 'a port from 1 to 65535, as in host:9092',
      hint:
        text === ''
          ? 'Remove the ":" or add the port'
          : 'Fix the port; if this is part of a password, percent-encode "@", "/", ":", "?" and "#" in it (%40, %2F, %3A, %3F, %23)',
    })
  }
  const port = Number(text)
  if (port < 1 || port > 65535) {
    fail(`has the port ${text} for host "${host}", which is out of range`, {
      expected: 'a port from 1 to 65535',
      hint: 'Fix the port',
    })
  }

  return port
}

/** Percent-decodes, rejecting escapes that are not `%` + two hex digits or that do not form UTF-8. */
function decode(text: string, what: string, fail: Fail, secret = false): string {
  if (!text.includes('%')) return text
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
    const hex = text.slice(i + 1, i + 3)
    if (!HEX2.test(hex)) {
      fail(
        `has an invalid percent escape "${secret ? REDACTED : `%${hex}`}" in the ${what}${secret ? '' : ` "${text}"`}`,
        { hint: 'Write a literal % as %25; every % must be followed by two hex digits' },
      )
    }
  }
  try {
    return decodeURIComponent(text)
  } catch {
    return fail(`has percent escapes in the ${what} that do not form UTF-8 text`, {
      hint: 'Encode non-ASCII characters as their UTF-8 bytes, e.g. é as %C3%A9',
    })
  }
}

// Characters written as they are; everything else is percent-encoded as UTF-8.
const UNRESERVED = "A-Za-z0-9\\-._~!$'()*"
const USERINFO_SAFE = new RegExp(`[^${UNRESERVED};=]`, 'gu')
const PATH_SAFE = new RegExp(`[^${UNRESERVED}&+,;=:@/]`, 'gu')
const QUERY_SAFE = new RegExp(`[^${UNRESERVED},;:@/]`, 'gu')

function encodePart(text: string, unsafe: RegExp): string {
  return text.replace(unsafe, (c) => encodeURIComponent(c))
}

function formatHost(h: ConnectionHost): string {
  const host = h.host.includes(':') ? `[${h.host.replace('%', '%25')}]` : encodePart(h.host, HOST_UNSAFE)

  return h.port === undefined ? host : `${host}:${h.port}`
}

const HOST_UNSAFE = new RegExp(`[^${UNRESERVED}]`, 'gu')

function withSafePrinting(cs: ConnectionString): ConnectionString {
  const print = () => formatConnectionString(cs)
  Object.defineProperties(cs, {
    toString: { value: print, enumerable: false },
    toJSON: { value: print, enumerable: false },
    [INSPECT]: { value: print, enumerable: false },
  })

  return cs
}
