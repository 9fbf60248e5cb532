import { type ExactJson, FerrisError, JsonNumber } from '@ferris/core'

/**
 * The JSONPath subset of JSON_VALUE, JSON_QUERY and JSON_EXISTS (SQL:2016 lax mode):
 *
 * - `$` the whole document;
 * - `.key`, `."key"`, `['key']`, `["key"]` a member of an object;
 * - `[n]` the n-th element of an array, from 0;
 * - `[*]` and `.*` every element or member (JSON_QUERY and JSON_EXISTS; JSON_VALUE needs exactly one item).
 *
 * An optional `lax` or `strict` mode word may lead; both read the same here. A step that does not apply
 * (a key on an array, an index past the end) selects nothing rather than failing.
 */
export type PathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' }

export interface JsonPath {
  readonly text: string
  readonly steps: readonly PathStep[]
  /** True when the path can select several items. */
  readonly multi: boolean
}

export function parseJsonPath(
  text: string,
  fn: string,
  code: 'FERRIS_SQL_SEMANTIC' | 'FERRIS_EVALUATION' = 'FERRIS_SQL_SEMANTIC',
): JsonPath {
  const fail = (at: number, what: string): never => {
    throw new FerrisError(code, `${fn}: invalid JSON path '${text}': ${what} at character ${at + 1}`, {
      value: text,
      expected: "a path such as '$.a.b[0]', '$[\"key\"]' or '$.items[*].id'",
    })
  }
  let i = 0
  const src = text.trim().replace(/^(lax|strict)\s+/i, '')
  const ws = () => {
    while (src[i] === ' ') i++
  }
  ws()
  if (src[i] !== '$') fail(i, 'a path starts with $')
  i++
  const steps: PathStep[] = []
  const quoted = (): string => {
    const q = src[i]!
    const start = i
    i++
    let out = ''
    while (i < src.length && src[i] !== q) {
      if (src[i] === '\\' && i + 1 < src.length) {
        const n = src[i + 1]!
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n
        i += 2
        continue
      }
      out += src[i]
      i++
    }
    if (src[i] !== q) fail(start, 'unterminated quoted key')
    i++

    return out
  }
  for (;;) {
    ws()
    if (i >= src.length) break
    const c = src[i]
    if (c === '.') {
      i++
      if (src[i] === '*') {
        steps.push({ kind: 'wildcard' })
        i++
      } else if (src[i] === '"' || src[i] === "'") {
        steps.push({ kind: 'key', key: quoted() })
      } else {
        const m = /^[A-Za-z_$\u0080-\uFFFF][\w$\u0080-\uFFFF]*/u.exec(src.slice(i))
        if (m === null) fail(i, 'expected a key name after .')
        steps.push({ kind: 'key', key: m![0] })
        i += m![0].length
      }
    } else if (c === '[') {
      i++
      ws()
      if (src[i] === '*') {
        steps.push({ kind: 'wildcard' })
        i++
      } else if (src[i] === '"' || src[i] === "'") {
        steps.push({ kind: 'key', key: quoted() })
      } else {
        const m = /^\d+/.exec(src.slice(i))
        if (m === null) fail(i, 'expected an index, a quoted key or * inside [ ]')
        steps.push({ kind: 'index', index: Number(m![0]) })
        i += m![0].length
      }
      ws()
      if (src[i] !== ']') fail(i, 'expected ]')
      i++
    } else {
      fail(i, `unexpected '${c}'`)
    }
  }

  return { text, steps, multi: steps.some((s) => s.kind === 'wildcard') }
}

const isObject = (v: ExactJson): v is { [key: string]: ExactJson } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber)

/** Every item the path selects, in document order. */
export function selectJson(root: ExactJson, path: JsonPath): ExactJson[] {
  let current: ExactJson[] = [root]
  for (const step of path.steps) {
    const next: ExactJson[] = []
    for (const item of current) {
      if (step.kind === 'key') {
        // Own members only: a key such as "constructor" must not reach Object.prototype.
        if (isObject(item) && Object.hasOwn(item, step.key)) next.push(item[step.key]!)
      } else if (step.kind === 'index') {
        if (Array.isArray(item) && step.index < item.length) next.push(item[step.index]!)
      } else if (Array.isArray(item)) {
        next.push(...item)
      } else if (isObject(item)) {
        next.push(...Object.values(item))
      }
    }
    current = next
    if (current.length === 0) break
  }

  return current
}

/** JSON text of a parsed value, numbers written exactly as they were read. */
export function jsonText(v: ExactJson): string {
  if (v === null) return 'null'
  if (v instanceof JsonNumber) return v.text
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`

  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
    .join(',')}}`
}
