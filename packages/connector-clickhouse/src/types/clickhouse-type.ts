import { FerrisError } from '@ferris/core'

/**
 * A ClickHouse column type read from `system.columns.type` or written into DDL: a name and its arguments.
 * Arguments are kept as text; container types (`Nullable`, `Array`, `Map`, `Tuple`, `LowCardinality`)
 * parse theirs as types when asked.
 */
export interface ClickhouseType {
  readonly name: string
  readonly args: readonly string[]
  /** The whole text, as the server spelled it. */
  readonly text: string
}

/** Parses `Nullable(DateTime64(9, 'UTC'))`. Throws FERRIS_SCHEMA_MISMATCH when the text is not a type. */
export function parseClickhouseType(text: string): ClickhouseType {
  const t = text.trim()
  const open = t.indexOf('(')
  if (open < 0) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw badType(text)

    return { name: t, args: [], text: t }
  }
  const name = t.slice(0, open).trim()
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || !t.endsWith(')')) throw badType(text)

  return { name, args: splitTopLevel(t.slice(open + 1, -1)), text: t }
}

/** Splits at commas that are outside parentheses and quotes. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
      continue
    }
    if (c === "'" || c === '`' || c === '"') quote = c
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  const last = text.slice(start).trim()
  if (last !== '' || out.length > 0) out.push(last)

  return out
}

/** The element of a named tuple argument: `a Int32` or `` `a b` String``, or an unnamed `Int32`. */
export function tupleElement(arg: string): { name?: string; type: ClickhouseType } {
  const quoted = /^`((?:[^`\\]|\\.)*)`\s+(.+)$/s.exec(arg)
  if (quoted !== null) return { name: quoted[1]!.replace(/\\(.)/g, '$1'), type: parseClickhouseType(quoted[2]!) }
  const plain = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/s.exec(arg)
  // `Nullable(X)` has no blank before `(`: a blank after a bare word means a name.
  if (plain !== null) return { name: plain[1]!, type: parseClickhouseType(plain[2]!) }

  return { type: parseClickhouseType(arg) }
}

/** Unwraps `Nullable(T)` and `LowCardinality(T)` (in either order). */
export function baseType(type: ClickhouseType): { base: ClickhouseType; nullable: boolean; lowCardinality: boolean } {
  let t = type
  let nullable = false
  let lowCardinality = false
  for (;;) {
    if (t.name === 'Nullable' && t.args.length === 1) {
      nullable = true
      t = parseClickhouseType(t.args[0]!)
    } else if (t.name === 'LowCardinality' && t.args.length === 1) {
      lowCardinality = true
      t = parseClickhouseType(t.args[0]!)
    } else {
      return { base: t, nullable, lowCardinality }
    }
  }
}

/** The text of a string literal argument such as `'UTC'`. */
export function literalArg(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined
  const m = /^'((?:[^'\\]|\\.)*)'$/s.exec(arg.trim())

  return m === null ? undefined : m[1]!.replace(/\\(.)/g, '$1')
}

function badType(text: string): FerrisError {
  return new FerrisError('FERRIS_SCHEMA_MISMATCH', `Cannot read the ClickHouse type ${JSON.stringify(text)}`, {
    value: text,
    expected: 'a ClickHouse type such as Nullable(Int64) or Array(String)',
  })
}
