import {
  FerrisError,
  type Field,
  type RecordBatch,
  type Row,
  type Schema,
  typeToString,
  type Value,
} from '@ferris/core'
import { matchField } from './match-fields.js'
import { type Converter, evolveType, nullSafe } from './type-evolution.js'

export interface MigrationOptions {
  /**
   * Values for fields the new schema adds, by field name. Without one an added field must be nullable and
   * gets NULL. Limitation: core's `Field` has no default of its own, so defaults are passed here.
   */
  readonly defaults?: Readonly<Record<string, Value>>
}

/** One reason a migration is refused. */
export interface MigrationProblem {
  readonly field: string
  readonly reason: string
}

/** Turns rows of one schema into rows of another. Compiled once; `migrateRow` does no lookups. */
export interface MigrationPlan {
  readonly from: Schema
  readonly to: Schema
  /** True when rows pass unchanged (same fields, order and types). */
  readonly identity: boolean
  /** What the plan does, one line per field, for logs and `ferris describe`. */
  readonly steps: readonly string[]
  migrateRow(row: Row): Row
  /** A batch of `to` rows; metadata and change kinds are kept, key positions remapped. */
  migrateBatch(batch: RecordBatch): RecordBatch
}

export type MigrationResult =
  | { readonly ok: true; readonly plan: MigrationPlan }
  | { readonly ok: false; readonly problems: readonly MigrationProblem[] }

/**
 * Plans how rows written with `from` are read as `to`: fields matched by name (case-insensitively when no
 * exact match), added fields take their default or NULL, removed fields are dropped, types widen by
 * `evolveType`. Refused when a type would narrow or change meaning, when a nullable field becomes NOT NULL
 * (old rows may hold NULL), or when a NOT NULL field is added without a default.
 */
export function tryPlanMigration(from: Schema, to: Schema, options: MigrationOptions = {}): MigrationResult {
  const problems: MigrationProblem[] = []
  const getters: Array<(row: Row) => Value> = []
  const steps: string[] = []
  const sourceOf: number[] = []
  let identity = from.length === to.length

  to.fields.forEach((target, j) => {
    const match = matchField(from, target.name)
    if (match === undefined) {
      identity = false
      sourceOf.push(-1)
      const defaults = options.defaults ?? {}
      if (Object.hasOwn(defaults, target.name)) {
        const value = defaults[target.name] ?? null
        if (value === null && !target.nullable) {
          problems.push({ field: target.name, reason: `${describe(target)} is new and its default is NULL` })
        }
        getters.push(() => value)
        steps.push(`add ${target.name} = ${String(value)} (default)`)
      } else if (target.nullable) {
        getters.push(() => null)
        steps.push(`add ${target.name} = NULL`)
      } else {
        problems.push({
          field: target.name,
          reason: `${describe(target)} is new, NOT NULL and has no default, so old rows have nothing to put there`,
        })
      }
      return
    }
    const { index, field: source } = match
    sourceOf.push(index)
    if (index !== j || source.name !== target.name) identity = false
    if (source.nullable && !target.nullable) {
      problems.push({ field: target.name, reason: `${target.name} became NOT NULL but old rows may hold NULL` })
      return
    }
    const change = evolveType(source.type, target.type)
    switch (change.kind) {
      case 'incompatible':
        problems.push({ field: target.name, reason: `${target.name}: ${change.reason}` })
        return
      case 'same':
        getters.push((row) => row[index] ?? null)
        steps.push(index === j ? `keep ${target.name}` : `move ${target.name} from position ${index + 1} to ${j + 1}`)
        return
      case 'widen': {
        identity = false
        const convert: Converter = nullSafe(change.convert)
        getters.push((row) => convert(row[index] ?? null))
        steps.push(`widen ${target.name}: ${change.description}`)
        return
      }
    }
  })
  for (const f of from.fields) {
    if (matchField(to, f.name) === undefined) {
      identity = false
      steps.push(`drop ${f.name}`)
    }
  }
  if (problems.length > 0) return { ok: false, problems }

  const width = getters.length
  const migrateRow = identity
    ? (row: Row) => row
    : (row: Row): Row => {
        const out = new Array<Value>(width)
        for (let j = 0; j < width; j++) out[j] = getters[j]!(row)

        return out
      }
  const newIndexOf = new Map<number, number>()
  sourceOf.forEach((i, j) => {
    if (i >= 0) newIndexOf.set(i, j)
  })

  const plan: MigrationPlan = {
    from,
    to,
    identity,
    steps,
    migrateRow,
    migrateBatch: (batch) => {
      if (identity) return batch.schema === to ? batch : { ...batch, schema: to }
      const rows = batch.rows.map(migrateRow)
      let keyFields: number[] | undefined
      if (batch.keyFields !== undefined) {
        keyFields = batch.keyFields.map((i) => {
          const j = newIndexOf.get(i)
          if (j === undefined) {
            throw new FerrisError(
              'FERRIS_SCHEMA_INCOMPATIBLE',
              `Key field ${from.fields[i]?.name ?? `#${i}`} is dropped by the new schema, so upserts cannot find their rows`,
              { subject: from.fields[i]?.name ?? `#${i}`, hint: 'Keep key fields when a schema evolves' },
            )
          }
          return j
        })
      }

      return {
        schema: to,
        rows,
        ...(batch.meta === undefined ? {} : { meta: batch.meta }),
        ...(batch.kinds === undefined ? {} : { kinds: batch.kinds }),
        ...(keyFields === undefined ? {} : { keyFields }),
      }
    },
  }

  return { ok: true, plan }
}

/** `tryPlanMigration`, throwing FERRIS_SCHEMA_INCOMPATIBLE with every reason when refused. */
export function planMigration(from: Schema, to: Schema, options: MigrationOptions = {}): MigrationPlan {
  const result = tryPlanMigration(from, to, options)
  if (result.ok) return result.plan

  throw new FerrisError(
    'FERRIS_SCHEMA_INCOMPATIBLE',
    `Rows of the old schema cannot be turned into the new one: ${result.problems.map((p) => p.reason).join('; ')}`,
    {
      value: { from: from.toString(), to: to.toString() },
      problems: result.problems,
      hint: 'Make added fields nullable or give them defaults, and only widen types (INT → BIGINT, DECIMAL(p, s) → DECIMAL(p + n, s))',
    },
  )
}

function describe(f: Field): string {
  return `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}`
}
