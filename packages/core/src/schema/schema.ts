import type { DataType } from '../types/data-type.js'
import { typeToString } from '../types/data-type.js'

export interface Field {
  readonly name: string
  readonly type: DataType
  readonly nullable: boolean
  /** What the field means, for `ferris describe` and generated DDL comments. */
  readonly doc?: string
  /** Connector-specific facts, e.g. `{ 'postgres.type': 'numeric' }`. */
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * The shape of a stream: ordered, typed, nullable fields. Rows are arrays indexed by field position, so
 * `indexOf` is resolved once when a query is planned, never per record.
 */
export class Schema {
  readonly fields: readonly Field[]
  readonly #index: ReadonlyMap<string, number>
  readonly #lowerIndex: ReadonlyMap<string, number>

  constructor(fields: readonly Field[]) {
    this.fields = fields
    const index = new Map<string, number>()
    const lower = new Map<string, number>()
    fields.forEach((f, i) => {
      if (!index.has(f.name)) index.set(f.name, i)
      const l = f.name.toLowerCase()
      if (!lower.has(l)) lower.set(l, i)
    })
    this.#index = index
    this.#lowerIndex = lower
  }

  static of(...fields: Array<[name: string, type: DataType, nullable?: boolean]>): Schema {
    return new Schema(fields.map(([name, type, nullable = true]) => ({ name, type, nullable })))
  }

  get length(): number {
    return this.fields.length
  }

  get names(): string[] {
    return this.fields.map((f) => f.name)
  }

  /** Position of a field: exact match first, then case-insensitive (SQL folds unquoted identifiers). */
  indexOf(name: string, caseSensitive = false): number {
    const exact = this.#index.get(name)
    if (exact !== undefined || caseSensitive) return exact ?? -1

    return this.#lowerIndex.get(name.toLowerCase()) ?? -1
  }

  field(name: string): Field | undefined {
    const i = this.indexOf(name)

    return i < 0 ? undefined : this.fields[i]
  }

  toString(): string {
    return this.fields.map((f) => `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}`).join(', ')
  }
}
