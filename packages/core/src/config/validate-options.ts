import { FerrisError } from '../errors/ferris-error.js'
import { didYouMean } from '../util/did-you-mean.js'
import type { OptionSchema, OptionSpec } from './option-schema.js'

export interface ValidateOptionsContext {
  /** The source or sink name, used in messages: `orders.format`. */
  readonly subject: string
  readonly scheme?: string
  /** Environment to read `env` fallbacks from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** The spellings `boolean` options accept, case-insensitive. A bare `?flag` (empty value) means true. */
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
  '': true,
}

const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

const KIB = 1024
const SIZE_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  k: KIB,
  kb: KIB,
  kib: KIB,
  m: KIB ** 2,
  mb: KIB ** 2,
  mib: KIB ** 2,
  g: KIB ** 3,
  gb: KIB ** 3,
  gib: KIB ** 3,
  t: KIB ** 4,
  tb: KIB ** 4,
  tib: KIB ** 4,
}

const FIX_GIVEN = 'Fix the value in the WITH clause or the connection string.'

/** One problem found while validating: the sentence for people plus the fields of the error context. */
interface Problem {
  readonly message: string
  readonly subject: string
  readonly value?: string
  readonly expected?: string
  readonly hint?: string
}

/**
 * Checks raw string options against a schema and returns typed values with defaults applied.
 * Unknown keys (with a did-you-mean), missing required options and bad values fail with
 * FERRIS_CONFIG_INVALID naming `subject.option`, the value seen (redacted if secret) and what is accepted.
 *
 * Keys match option names and aliases case-insensitively. A `map` option also takes `name.key` entries.
 * When an option is absent, its `env` variable is read, then its default applies. Every problem in the
 * input is reported at once, one line each, so a user fixes a WITH clause in one go.
 */
export function validateOptions(
  schema: OptionSchema,
  raw: Readonly<Record<string, string>>,
  context: ValidateOptionsContext,
): Record<string, unknown> {
  const { subject } = context
  const env = context.env ?? process.env
  const names = Object.keys(schema)
  const spellings = new Map<string, string>()
  for (const name of names) {
    spellings.set(name.toLowerCase(), name)
    for (const alias of schema[name]!.aliases ?? []) spellings.set(alias.toLowerCase(), name)
  }

  const problems: Problem[] = []
  const given = new Map<string, { key: string; value: string }>()
  const mapEntries = new Map<string, Record<string, string>>()
  for (const [key, value] of Object.entries(raw)) {
    const name = spellings.get(key.toLowerCase())
    if (name !== undefined) {
      const previous = given.get(name)
      if (previous !== undefined && previous.value !== value) {
        problems.push({
          subject: `${subject}.${name}`,
          message: `${subject}.${name}: given twice with different values, as "${previous.key}" and "${key}". Keep one of them.`,
          hint: 'Keep one of them',
        })
      }
      given.set(name, { key, value })
      continue
    }
    const mapName = findMapOption(schema, key)
    if (mapName !== undefined) {
      const entryKey = key.slice(key.indexOf('.') + 1)
      const entries = mapEntries.get(mapName) ?? {}
      entries[entryKey] = value
      mapEntries.set(mapName, entries)
      continue
    }
    problems.push(unknownOption(subject, key, names, context.scheme))
  }

  const out: Record<string, unknown> = {}
  for (const name of names) {
    const spec = schema[name]!
    let text = given.get(name)?.value
    let fromEnv = false
    if (text === undefined && spec.env !== undefined && env[spec.env] !== undefined) {
      text = env[spec.env]
      fromEnv = true
    }
    const label = fromEnv ? `${subject}.${name} (from environment variable ${spec.env})` : `${subject}.${name}`
    const fix = fromEnv ? `Fix the environment variable ${spec.env}.` : FIX_GIVEN

    if (spec.type === 'map') {
      const entries = mapEntries.get(name)
      if (text === undefined && entries === undefined) {
        if (spec.default !== undefined) out[name] = spec.default
        else if (spec.required === true) problems.push(missing(subject, name, spec))
        continue
      }
      const map: Record<string, string> = {}
      if (text !== undefined) {
        const parsed = parseMapText(text)
        if (parsed === undefined) {
          problems.push(
            badValue(
              label,
              spec,
              text,
              `key=value pairs separated by commas, or '${subject}.${name}.<key>' entries`,
              fix,
            ),
          )
          continue
        }
        Object.assign(map, parsed)
      }
      Object.assign(map, entries)
      out[name] = map
      continue
    }

    if (text === undefined) {
      if (spec.default !== undefined) out[name] = spec.default
      else if (spec.required === true) problems.push(missing(subject, name, spec))
      continue
    }
    const result = coerce(spec, text)
    if ('value' in result) out[name] = result.value
    else problems.push(badValue(label, spec, text, result.expected, fix, result.suggestion))
  }

  if (problems.length > 0) throw optionsError(subject, problems)

  return out
}

type Coerced = { value: unknown } | { expected: string; suggestion?: string }

/** Turns the text of one option into its typed value, or says what was expected. */
function coerce(spec: Exclude<OptionSpec, { type: 'map' }>, input: string): Coerced {
  const text = input.trim()
  switch (spec.type) {
    case 'string':
      if (spec.pattern !== undefined && !spec.pattern.test(input)) return { expected: `text matching ${spec.pattern}` }

      return { value: input }
    case 'integer': {
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN
      if (!Number.isSafeInteger(n) || outOfRange(n, spec.min, spec.max)) {
        return { expected: describeRange('an integer', spec.min, spec.max) }
      }

      return { value: n }
    }
    case 'number': {
      const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN
      if (!Number.isFinite(n) || outOfRange(n, spec.min, spec.max)) {
        return { expected: describeRange('a number', spec.min, spec.max) }
      }

      return { value: n }
    }
    case 'boolean': {
      const b = BOOLEAN_WORDS[text.toLowerCase()]

      return b === undefined ? { expected: 'true or false (also yes/no, on/off, 1/0)' } : { value: b }
    }
    case 'enum': {
      const found = spec.values.find((v) => v.toLowerCase() === text.toLowerCase())
      if (found !== undefined) return { value: found }
      const [suggestion] = didYouMean(text, spec.values, 1)

      return suggestion === undefined
        ? { expected: `one of ${spec.values.join(', ')}` }
        : { expected: `one of ${spec.values.join(', ')}`, suggestion }
    }
    case 'duration': {
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text)
      const ms = m === null ? Number.NaN : Number(m[1]) * DURATION_MS[(m[2] ?? 'ms').toLowerCase()]!

      return Number.isSafeInteger(ms)
        ? { value: ms }
        : { expected: 'a duration such as 500ms, 30s, 5m, 1h, 2d, or a whole number of milliseconds' }
    }
    case 'size': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(text)
      const unit = m === null ? undefined : SIZE_BYTES[(m[2] ?? 'b').toLowerCase()]
      const bytes = m === null || unit === undefined ? Number.NaN : Number(m[1]) * unit

      return Number.isSafeInteger(bytes)
        ? { value: bytes }
        : { expected: 'a size such as 512kb, 64mb, 1gb (powers of 1024), or a whole number of bytes' }
    }
    case 'list':
      return {
        value: input
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      }
  }
}

function parseMapText(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  for (const piece of text.split(',')) {
    if (piece.trim() === '') continue
    const eq = piece.indexOf('=')
    if (eq <= 0) return undefined
    out[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim()
  }

  return out
}

/** The map option a `prefix.key` entry belongs to, matching the name or an alias case-insensitively. */
function findMapOption(schema: OptionSchema, key: string): string | undefined {
  const dot = key.indexOf('.')
  if (dot <= 0 || dot === key.length - 1) return undefined
  const prefix = key.slice(0, dot).toLowerCase()
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.type !== 'map') continue
    if (name.toLowerCase() === prefix || (spec.aliases ?? []).some((a) => a.toLowerCase() === prefix)) return name
  }

  return undefined
}

function outOfRange(n: number, min: number | undefined, max: number | undefined): boolean {
  return (min !== undefined && n < min) || (max !== undefined && n > max)
}

function describeRange(what: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`
  if (min !== undefined) return `${what} of at least ${min}`
  if (max !== undefined) return `${what} of at most ${max}`

  return what
}

function shown(spec: OptionSpec, text: string): string {
  return spec.secret === true ? 'a secret value (not shown)' : JSON.stringify(text)
}

function badValue(
  label: string,
  spec: OptionSpec,
  text: string,
  expected: string,
  fix: string,
  suggestion?: string,
): Problem {
  const guess = suggestion === undefined ? '' : ` Did you mean ${suggestion}?`

  return {
    subject: label,
    ...(spec.secret === true ? {} : { value: text }),
    expected,
    hint: fix.replace(/\.$/, ''),
    message: `${label}: expected ${expected}, got ${shown(spec, text)}.${guess} ${fix}`,
  }
}

function missing(subject: string, name: string, spec: OptionSpec): Problem {
  const example = spec.example ?? (spec.type === 'enum' ? (spec.values[0] ?? '...') : '...')
  const env = spec.env === undefined ? '' : `, or set the environment variable ${spec.env}`
  const hint = `Add '${subject}.${name}' = '${spec.secret === true ? '...' : example}' to the WITH clause, or put ${name} in the connection string${env}`

  return {
    subject: `${subject}.${name}`,
    expected: spec.doc,
    hint,
    message: `${subject}.${name}: this option is required (${spec.doc.replace(/\.$/, '')}). ${hint}.`,
  }
}

function unknownOption(subject: string, key: string, names: readonly string[], scheme?: string): Problem {
  const guesses = didYouMean(key, names)
  const guess = guesses.length === 0 ? '' : ` Did you mean ${guesses.join(' or ')}?`
  const owner = scheme === undefined ? 'this connector' : `the ${scheme} connector`
  const known = names.length === 0 ? 'It takes no options' : `Known options: ${[...names].sort().join(', ')}`

  return {
    subject: `${subject}.${key}`,
    expected: known,
    hint: 'Remove it or correct its spelling',
    message: `${subject}.${key}: unknown option for ${owner}.${guess} ${known}. Remove it or correct its spelling.`,
  }
}

function optionsError(subject: string, problems: readonly Problem[]): FerrisError {
  if (problems.length === 1) {
    const { message, ...context } = problems[0]!

    return new FerrisError('FERRIS_CONFIG_INVALID', message, context)
  }

  return new FerrisError(
    'FERRIS_CONFIG_INVALID',
    `${subject}: ${problems.length} options are invalid:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    { subject, problems: problems.map((p) => p.message) },
  )
}
