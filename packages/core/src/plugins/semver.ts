/**
 * The part of npm's semver ranges a plugin's `coreVersion` needs, so that @ferris/core has no runtime
 * dependency: versions with pre-release tags, comparators (`>=1.2.0 <2`), caret and tilde ranges, x-ranges
 * (`1.x`, `1.2.*`, `*`), hyphen ranges (`1.2 - 2.3.4`) and `||`. Pre-release versions match a range as with
 * npm's `includePrerelease` option. Build metadata (`+build.5`) is ignored, as semver says.
 */

interface Version {
  readonly major: number
  readonly minor: number
  readonly patch: number
  readonly pre: readonly (string | number)[]
}

type Op = '<' | '<=' | '>' | '>=' | '='
type Comparator = { readonly op: Op; readonly version: Version }

/** The lowest pre-release of a version: `<2.0.0-0` excludes every 2.0.0 pre-release, as npm does. */
const ZERO_PRE = [0]

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim())
  if (m === null) return undefined

  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: parsePre(m[4]) }
}

function parsePre(text: string | undefined): (string | number)[] {
  if (text === undefined) return []

  return text.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major - b.major
  if (a.minor !== b.minor) return a.minor - b.minor
  if (a.patch !== b.patch) return a.patch - b.patch
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]
    const y = b.pre[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x - y
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1

    return x < y ? -1 : 1
  }

  return 0
}

const v = (major: number, minor: number, patch: number, pre: readonly (string | number)[] = []): Version => ({
  major,
  minor,
  patch,
  pre,
})

/** The comparators of one space-separated range (one side of `||`), or undefined when it does not parse. */
function parseSet(text: string): Comparator[] | undefined {
  const trimmed = text.trim()
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(trimmed)
  if (hyphen !== null) {
    const low = partial(hyphen[1]!)
    const high = partial(hyphen[2]!)
    if (low === undefined || high === undefined) return undefined
    const lowPre = low.patch === undefined ? ZERO_PRE : low.pre
    const out: Comparator[] = [{ op: '>=', version: v(low.major ?? 0, low.minor ?? 0, low.patch ?? 0, lowPre) }]
    if (high.major !== undefined) {
      if (high.minor === undefined) out.push({ op: '<', version: v(high.major + 1, 0, 0, [0]) })
      else if (high.patch === undefined) out.push({ op: '<', version: v(high.major, high.minor + 1, 0, [0]) })
      else out.push({ op: '<=', version: v(high.major, high.minor, high.patch, high.pre) })
    }

    return out
  }
  const out: Comparator[] = []
  // `>= 1.2.3` may be written with a space after the operator.
  const tokens = trimmed.replace(/(<=|>=|<|>|=|\^|~>?)\s+/g, '$1').split(/\s+/)
  for (const token of tokens) {
    if (token === '') continue
    const m = /^(<=|>=|<|>|=|\^|~>?)?(.*)$/.exec(token)!
    const op = m[1] ?? ''
    const p = partial(m[2]!)
    if (p === undefined) return undefined
    const set = expand(op, p)
    if (set === undefined) return undefined
    out.push(...set)
  }

  return out
}

interface Partial {
  readonly major?: number
  readonly minor?: number
  readonly patch?: number
  readonly pre: readonly (string | number)[]
}

function partial(text: string): Partial | undefined {
  if (text === '') return { pre: [] }
  const m = PARTIAL.exec(text)
  if (m === null) return undefined
  const num = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s))
  const major = num(m[1])
  const minor = major === undefined ? undefined : num(m[2])
  const patch = minor === undefined ? undefined : num(m[3])

  return {
    ...(major === undefined ? {} : { major }),
    ...(minor === undefined ? {} : { minor }),
    ...(patch === undefined ? {} : { patch }),
    pre: parsePre(m[4]),
  }
}

function expand(op: string, p: Partial): Comparator[] | undefined {
  const { major, minor, patch, pre } = p
  if (major === undefined)
    return op === '' || op === '=' || op === '>=' || op === '<=' ? [] : [{ op: '<', version: v(0, 0, 0, ZERO_PRE) }]
  // A partial lower bound (`^1`, `~1.2`, `1.x`) starts at the first pre-release, as npm's includePrerelease does.
  const lowPre = patch === undefined ? ZERO_PRE : pre
  if (op === '^') {
    const low = { op: '>=' as const, version: v(major, minor ?? 0, patch ?? 0, lowPre) }
    if (major > 0 || minor === undefined) return [low, { op: '<', version: v(major + 1, 0, 0, ZERO_PRE) }]
    if (minor > 0 || patch === undefined) return [low, { op: '<', version: v(0, minor + 1, 0, ZERO_PRE) }]

    return [low, { op: '<', version: v(0, 0, patch + 1, ZERO_PRE) }]
  }
  if (op === '~' || op === '~>') {
    const low = { op: '>=' as const, version: v(major, minor ?? 0, patch ?? 0, lowPre) }
    if (minor === undefined) return [low, { op: '<', version: v(major + 1, 0, 0, ZERO_PRE) }]

    return [low, { op: '<', version: v(major, minor + 1, 0, ZERO_PRE) }]
  }
  if (minor === undefined || patch === undefined) {
    // An x-range: `1.2` means >=1.2.0 <1.3.0-0.
    const low = v(major, minor ?? 0, 0, ZERO_PRE)
    const high = minor === undefined ? v(major + 1, 0, 0, ZERO_PRE) : v(major, minor + 1, 0, ZERO_PRE)
    switch (op) {
      case '':
      case '=':
        return [
          { op: '>=', version: low },
          { op: '<', version: high },
        ]
      case '>':
        return [{ op: '>=', version: high }]
      case '>=':
        return [{ op: '>=', version: low }]
      case '<':
        return [{ op: '<', version: v(low.major, low.minor, 0, ZERO_PRE) }]
      case '<=':
        return [{ op: '<', version: high }]
      default:
        return undefined
    }
  }

  return [{ op: (op === '' ? '=' : op) as Op, version: v(major, minor, patch, pre) }]
}

function test(c: Comparator, version: Version): boolean {
  const cmp = compareVersions(version, c.version)
  switch (c.op) {
    case '<':
      return cmp < 0
    case '<=':
      return cmp <= 0
    case '>':
      return cmp > 0
    case '>=':
      return cmp >= 0
    case '=':
      return cmp === 0
  }
}

/** True when `range` is a valid range. */
export function isValidRange(range: string): boolean {
  return range.split('||').every((set) => parseSet(set) !== undefined)
}

/** True when `version` is within `range` (npm semantics, pre-releases included). False for invalid input. */
export function satisfiesRange(version: string, range: string): boolean {
  const parsed = parseVersion(version)
  if (parsed === undefined) return false
  const sets = range.split('||').map(parseSet)
  if (sets.some((s) => s === undefined)) return false

  return sets.some((set) => set!.every((c) => test(c, parsed)))
}
