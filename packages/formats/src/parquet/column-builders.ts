import { type DataType, FerrisError, isDecimal, typeToString, UNIT_NANOS, type Value } from '@ferris/core'
import * as arrow from 'apache-arrow'
import { toArrowType } from './arrow-types.js'
import { floorTo } from './coerce.js'

/**
 * Builders that append Ferris values into Arrow buffers: typed arrays that grow by doubling, a bit-packed
 * validity map, and one UTF-8 byte buffer per string column. Nothing allocates per value except what a value
 * is made of (a string's bytes), so a row group of a million rows costs a few dozen allocations.
 *
 * Every builder can be truncated back to an earlier length, which is how a batch that holds a bad value is
 * taken back out as a whole (the writer's `write` is all or nothing).
 */
export interface ColumnBuilder {
  readonly type: arrow.DataType
  readonly length: number
  /** `row` is the index in the caller's batch, for messages. */
  append(value: Value, row: number): void
  /**
   * Appends `rows[start..end)[column]`: the writer's hot loop, kept inside each builder so that it sees one
   * builder type. On a bad value it throws with the builder's length at that value (the caller truncates).
   */
  appendRows(rows: readonly (readonly Value[])[], column: number, start: number, end: number): void
  /**
   * A null slot even in a NOT NULL column: Arrow keeps a slot in every child under a null struct, and no
   * reader looks at it because the struct itself is null.
   */
  appendHidden(): void
  /** Forgets the values from `length` on. */
  truncate(length: number): void
  /** The Arrow data of everything appended, and an empty builder for what comes next. */
  finish(): arrow.Data
  /** Bytes held, for memory accounting. */
  byteSize(): number
}

const MAX_OFFSET = 2 ** 31 - 1

/**
 * Which slots are null. It records the nulls (bit set = null) so that appending a value costs nothing here, and
 * inverts them into Arrow's validity bitmap (bit set = value present) when the row group is finished.
 */
class Validity {
  #nullBits: Uint8Array
  nulls = 0

  constructor(capacity: number) {
    this.#nullBits = new Uint8Array((capacity + 7) >> 3)
  }

  setNull(i: number): void {
    const byte = i >> 3
    if (byte >= this.#nullBits.length) this.#nullBits = grow(this.#nullBits, byte + 1)
    this.#nullBits[byte]! |= 1 << (i & 7)
    this.nulls++
  }

  /** Forgets the slots from `to` up to `from` (exclusive), so they can be appended again. */
  truncate(to: number, from: number): void {
    if (this.nulls === 0) return
    for (let i = to; i < from; i++) {
      const byte = i >> 3
      if (byte >= this.#nullBits.length) break
      const bit = 1 << (i & 7)
      if ((this.#nullBits[byte]! & bit) !== 0) {
        this.#nullBits[byte]! &= ~bit
        this.nulls--
      }
    }
  }

  take(length: number, capacity: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const nullCount = this.nulls
    let validity: Uint8Array | undefined
    if (nullCount > 0) {
      const bytes = (length + 7) >> 3
      validity = new Uint8Array(bytes)
      const nullBits = this.#nullBits
      for (let k = 0; k < bytes && k < nullBits.length; k++) validity[k] = ~nullBits[k]! & 0xff
      for (let k = nullBits.length; k < bytes; k++) validity[k] = 0xff
      // Bits past the last slot are unused; clear them so the bitmap is canonical.
      if ((length & 7) !== 0) validity[bytes - 1]! &= (1 << (length & 7)) - 1
      this.#nullBits = new Uint8Array((capacity + 7) >> 3)
    }
    this.nulls = 0

    return { nullBitmap: validity, nullCount }
  }
}

interface TypedArray {
  readonly length: number
  readonly byteLength: number
  set(array: ArrayLike<number | bigint>, offset?: number): void
  subarray(begin?: number, end?: number): TypedArray
  slice(begin?: number, end?: number): TypedArray
}

function grow<A extends TypedArray>(array: A, needed: number): A {
  let size = Math.max(16, array.length * 2)
  while (size < needed) size *= 2
  const bigger = new (array.constructor as new (n: number) => A)(size)
  bigger.set(array as unknown as ArrayLike<number>)

  return bigger
}

function typeError(path: string, type: DataType, value: Value, row: number, why?: string): FerrisError {
  const shown = typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'object') : typeof value

  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `Column ${path} is ${typeToString(type)} but row ${row} holds ${why ?? `a ${shown}`}`,
    {
      subject: path,
      value: typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string' ? value : shown,
      expected: EXPECTED[type.kind],
      location: { row },
    },
  )
}

const EXPECTED: Readonly<Record<DataType['kind'], string>> = {
  null: 'null',
  boolean: 'a boolean',
  int32: 'an integer number from -2^31 to 2^31-1',
  int64: 'a bigint from -2^63 to 2^63-1 (or a safe integer number)',
  float64: 'a number',
  decimal: 'a Decimal whose digits fit the precision and scale',
  string: 'a string',
  bytes: 'a Uint8Array',
  date: 'an integer number of days since 1970-01-01',
  time: 'a bigint of nanoseconds since midnight',
  timestamp: 'a bigint of nanoseconds since 1970-01-01T00:00:00Z',
  interval: 'an Interval',
  list: 'an array',
  map: 'a Map',
  struct: 'a plain object keyed by field name',
}

/** Shared by every builder: the length, the validity bitmap and the NOT NULL check. */
abstract class BaseBuilder implements ColumnBuilder {
  length = 0
  readonly type: arrow.DataType
  protected validity: Validity
  protected readonly core: DataType
  protected readonly path: string
  protected readonly nullable: boolean
  protected readonly capacity: number

  constructor(type: arrow.DataType, core: DataType, path: string, nullable: boolean, capacity: number) {
    this.type = type
    this.core = core
    this.path = path
    this.nullable = nullable
    this.capacity = capacity
    this.validity = new Validity(capacity)
  }

  append(value: Value, row: number): void {
    const i = this.length
    if (value === null || value === undefined) {
      if (!this.nullable) throw this.nullError(row)
      this.validity.setNull(i)
      this.appendNull(i)
    } else {
      this.appendValue(i, value, row)
    }
    this.length = i + 1
  }

  appendRows(rows: readonly (readonly Value[])[], column: number, start: number, end: number): void {
    for (let r = start; r < end; r++) this.append(rows[r]![column] ?? null, r)
  }

  protected nullError(row: number): FerrisError {
    return new FerrisError('FERRIS_TYPE_CONVERSION', `Column ${this.path} is NOT NULL but row ${row} holds NULL`, {
      subject: this.path,
      value: null,
      expected: EXPECTED[this.core.kind],
      location: { row },
    })
  }

  appendHidden(): void {
    this.validity.setNull(this.length)
    this.appendNull(this.length)
    this.length++
  }

  truncate(length: number): void {
    if (length > this.length) return
    this.validity.truncate(length, this.length)
    // Even at the same length: a nested value that failed half-way left elements in the children.
    this.truncateValues(length)
    this.length = length
  }

  protected abstract appendValue(i: number, value: Value, row: number): void
  protected abstract appendNull(i: number): void
  protected truncateValues(_length: number): void {}
  abstract finish(): arrow.Data
  abstract byteSize(): number

  protected takeValidity(): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    return this.validity.take(this.length, this.capacity)
  }

  protected fail(value: Value, row: number, why?: string): never {
    throw typeError(this.path, this.core, value, row, why)
  }
}

class NullBuilder extends BaseBuilder {
  protected appendValue(_i: number, value: Value, row: number): void {
    this.fail(value, row)
  }
  protected appendNull(): void {}
  finish(): arrow.Data {
    const data = arrow.makeData({ type: new arrow.Null(), length: this.length })
    this.length = 0
    this.validity.take(0, this.capacity)

    return data
  }
  byteSize(): number {
    return 0
  }
}

class BoolBuilder extends BaseBuilder {
  #bits: Uint8Array
  constructor(type: arrow.DataType, core: DataType, path: string, nullable: boolean, capacity: number) {
    super(type, core, path, nullable, capacity)
    this.#bits = new Uint8Array((capacity + 7) >> 3)
  }
  protected appendValue(i: number, value: Value, row: number): void {
    if (typeof value !== 'boolean') this.fail(value, row)
    const byte = i >> 3
    if (byte >= this.#bits.length) this.#bits = grow(this.#bits, byte + 1)
    if (value) this.#bits[byte]! |= 1 << (i & 7)
    else this.#bits[byte]! &= ~(1 << (i & 7))
  }
  protected appendNull(i: number): void {
    const byte = i >> 3
    if (byte >= this.#bits.length) this.#bits = grow(this.#bits, byte + 1)
    this.#bits[byte]! &= ~(1 << (i & 7))
  }
  finish(): arrow.Data {
    const length = this.length
    const data = arrow.makeData({
      type: this.type as arrow.Bool,
      length,
      data: this.#bits.slice(0, (length + 7) >> 3),
      ...this.takeValidity(),
    })
    this.#bits = new Uint8Array((this.capacity + 7) >> 3)
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#bits.byteLength * 2
  }
}

/** Fixed-width numbers: one slot of a typed array per value, filled by a type-specific conversion. */
class FixedBuilder<A extends Int32Array | Float64Array | BigInt64Array> extends BaseBuilder {
  #values: A
  readonly #convert: (value: Value, row: number) => number | bigint | undefined
  readonly #zero: number | bigint

  constructor(
    type: arrow.DataType,
    core: DataType,
    path: string,
    nullable: boolean,
    capacity: number,
    make: new (n: number) => A,
    convert: (value: Value, row: number) => number | bigint | undefined,
  ) {
    super(type, core, path, nullable, capacity)
    this.#values = new make(capacity)
    this.#convert = convert
    this.#zero = this.#values instanceof BigInt64Array ? 0n : 0
  }

  override appendRows(rows: readonly (readonly Value[])[], column: number, start: number, end: number): void {
    let i = this.length
    if (i + end - start > this.#values.length) this.#values = grow(this.#values, i + end - start)
    const values = this.#values as unknown as Array<number | bigint>
    const convert = this.#convert
    for (let r = start; r < end; r++, i++) {
      const value = rows[r]![column]
      if (value === null || value === undefined) {
        if (!this.nullable) {
          this.length = i
          throw this.nullError(r)
        }
        this.validity.setNull(i)
        values[i] = this.#zero
        continue
      }
      const v = convert(value, r)
      if (v === undefined) {
        this.length = i
        this.fail(value, r)
      }
      values[i] = v
    }
    this.length = i
  }

  protected appendValue(i: number, value: Value, row: number): void {
    const v = this.#convert(value, row)
    if (v === undefined) this.fail(value, row)
    if (i >= this.#values.length) this.#values = grow(this.#values, i + 1)
    this.#values[i] = v as never
  }
  protected appendNull(i: number): void {
    if (i >= this.#values.length) this.#values = grow(this.#values, i + 1)
    this.#values[i] = this.#zero as never
  }
  finish(): arrow.Data {
    const length = this.length
    // The slice copies: the builder's array is reused for the next row group.
    const data = arrow.makeData({
      type: this.type as arrow.Int,
      length,
      data: this.#values.slice(0, length) as Int32Array,
      ...this.takeValidity(),
    })
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#values.byteLength
  }
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

class DecimalBuilder extends BaseBuilder {
  #words: BigInt64Array
  readonly #lanes: number
  readonly #limit: bigint
  readonly #scale: number

  constructor(
    type: arrow.Decimal,
    core: DataType & { kind: 'decimal' },
    path: string,
    nullable: boolean,
    capacity: number,
  ) {
    super(type, core, path, nullable, capacity)
    this.#lanes = type.bitWidth >> 6
    this.#words = new BigInt64Array(capacity * this.#lanes)
    this.#limit = 10n ** BigInt(core.precision)
    this.#scale = core.scale
  }

  protected appendValue(i: number, value: Value, row: number): void {
    let unscaled: bigint
    if (isDecimal(value)) {
      if (value.scale === this.#scale) unscaled = value.unscaled
      else if (value.fitsScale(this.#scale)) unscaled = value.rescale(this.#scale).unscaled
      else this.fail(value, row, `${value.toString()}, which has more than ${this.#scale} fractional digits`)
    } else if (typeof value === 'bigint') {
      unscaled = value * 10n ** BigInt(this.#scale)
    } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
      unscaled = BigInt(value) * 10n ** BigInt(this.#scale)
    } else {
      this.fail(value, row)
    }
    if (unscaled >= this.#limit || -unscaled >= this.#limit) {
      this.fail(value, row, `${String(value)}, which has more digits than ${typeToString(this.core)} holds`)
    }
    const lanes = this.#lanes
    const at = i * lanes
    if (at + lanes > this.#words.length) this.#words = grow(this.#words, at + lanes)
    if (lanes === 2 && unscaled >= INT64_MIN && unscaled <= INT64_MAX) {
      this.#words[at] = unscaled
      this.#words[at + 1] = unscaled < 0n ? -1n : 0n
      return
    }
    let v = unscaled
    for (let k = 0; k < lanes; k++) {
      this.#words[at + k] = BigInt.asIntN(64, v)
      v >>= 64n
    }
  }
  protected appendNull(i: number): void {
    const at = i * this.#lanes
    if (at + this.#lanes > this.#words.length) this.#words = grow(this.#words, at + this.#lanes)
    this.#words.fill(0n, at, at + this.#lanes)
  }
  finish(): arrow.Data {
    const length = this.length
    const words = this.#words.slice(0, length * this.#lanes)
    const data = arrow.makeData({
      type: this.type as arrow.Decimal,
      length,
      data: new Uint32Array(words.buffer),
      ...this.takeValidity(),
    })
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#words.byteLength
  }
}

/** Strings and bytes: one byte buffer plus 32-bit offsets. */
class VarBinaryBuilder extends BaseBuilder {
  #bytes: Buffer
  #used = 0
  #offsets: Int32Array
  readonly #utf8: boolean

  constructor(type: arrow.DataType, core: DataType, path: string, nullable: boolean, capacity: number) {
    super(type, core, path, nullable, capacity)
    this.#utf8 = core.kind === 'string'
    this.#bytes = Buffer.allocUnsafe(Math.max(64, capacity * 8))
    this.#offsets = new Int32Array(capacity + 1)
  }

  override appendRows(rows: readonly (readonly Value[])[], column: number, start: number, end: number): void {
    if (!this.#utf8) {
      super.appendRows(rows, column, start, end)
      return
    }
    let i = this.length
    if (i + end - start + 1 > this.#offsets.length) this.#offsets = grow(this.#offsets, i + end - start + 1)
    const offsets = this.#offsets
    let bytes = this.#bytes
    let used = this.#used
    for (let r = start; r < end; r++, i++) {
      const value = rows[r]![column]
      if (value === null || value === undefined) {
        if (!this.nullable) {
          this.length = i
          throw this.nullError(r)
        }
        this.validity.setNull(i)
        offsets[i + 1] = used
        continue
      }
      if (typeof value !== 'string') {
        this.length = i
        this.fail(value, r)
      }
      const n = value.length
      if (used + n * 3 > bytes.length) {
        this.#used = used
        this.#reserve(used + n * 3)
        bytes = this.#bytes
      }
      // Short ASCII strings are copied here: cheaper than a call into the encoder for a few bytes.
      let j = 0
      if (n <= 32) {
        for (; j < n; j++) {
          const c = value.charCodeAt(j)
          if (c >= 128) break
          bytes[used + j] = c
        }
      }
      used += j === n ? n : bytes.write(value, used, 'utf8')
      offsets[i + 1] = used
    }
    if (used > MAX_OFFSET) {
      this.length = i
      throw this.#tooLarge(end - 1)
    }
    this.#used = used
    this.length = i
  }

  #tooLarge(row: number): FerrisError {
    return new FerrisError('FERRIS_UNSUPPORTED', `Column ${this.path} holds more than 2 GiB of data in one row group`, {
      subject: this.path,
      location: { row },
      hint: 'lower the Parquet row group size (rowGroupSize) so each row group holds less',
    })
  }

  protected appendValue(i: number, value: Value, row: number): void {
    let used = this.#used
    if (this.#utf8) {
      if (typeof value !== 'string') this.fail(value, row)
      // A UTF-16 code unit becomes at most 3 UTF-8 bytes.
      if (used + value.length * 3 > this.#bytes.length) this.#reserve(used + value.length * 3)
      used += this.#bytes.write(value, used, 'utf8')
    } else {
      if (!(value instanceof Uint8Array)) this.fail(value, row)
      if (used + value.byteLength > this.#bytes.length) this.#reserve(used + value.byteLength)
      this.#bytes.set(value, used)
      used += value.byteLength
    }
    if (used > MAX_OFFSET) {
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Column ${this.path} holds more than 2 GiB of data in one row group`,
        {
          subject: this.path,
          location: { row },
          hint: 'lower the Parquet row group size (rowGroupSize) so each row group holds less',
        },
      )
    }
    this.#used = used
    this.#setOffset(i + 1, used)
  }
  protected appendNull(i: number): void {
    this.#setOffset(i + 1, this.#used)
  }
  protected override truncateValues(length: number): void {
    this.#used = this.#offsets[length]!
  }
  #setOffset(i: number, v: number): void {
    if (i >= this.#offsets.length) this.#offsets = grow(this.#offsets, i + 1)
    this.#offsets[i] = v
  }
  #reserve(needed: number): void {
    let size = this.#bytes.length * 2
    while (size < needed) size *= 2
    const bigger = Buffer.allocUnsafe(size)
    this.#bytes.copy(bigger, 0, 0, this.#used)
    this.#bytes = bigger
  }
  finish(): arrow.Data {
    const length = this.length
    const data = arrow.makeData({
      type: this.type as arrow.Utf8,
      length,
      data: Uint8Array.prototype.slice.call(this.#bytes, 0, this.#used),
      valueOffsets: this.#offsets.slice(0, length + 1),
      ...this.takeValidity(),
    })
    this.#used = 0
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#bytes.byteLength + this.#offsets.byteLength
  }
}

class ListBuilder extends BaseBuilder {
  #offsets: Int32Array
  readonly #child: ColumnBuilder

  constructor(type: arrow.List, core: DataType & { kind: 'list' }, path: string, nullable: boolean, capacity: number) {
    super(type, core, path, nullable, capacity)
    this.#offsets = new Int32Array(capacity + 1)
    this.#child = createColumnBuilder(core.element, `${path}[]`, true, capacity)
  }
  protected appendValue(i: number, value: Value, row: number): void {
    if (!Array.isArray(value)) this.fail(value, row)
    const child = this.#child
    for (let k = 0; k < value.length; k++) child.append(value[k], row)
    this.#setOffset(i + 1, child.length)
  }
  protected appendNull(i: number): void {
    this.#setOffset(i + 1, this.#child.length)
  }
  protected override truncateValues(length: number): void {
    this.#child.truncate(this.#offsets[length]!)
  }
  #setOffset(i: number, v: number): void {
    if (i >= this.#offsets.length) this.#offsets = grow(this.#offsets, i + 1)
    this.#offsets[i] = v
  }
  finish(): arrow.Data {
    const length = this.length
    const data = arrow.makeData({
      type: this.type as arrow.List,
      length,
      valueOffsets: this.#offsets.slice(0, length + 1),
      child: this.#child.finish(),
      ...this.takeValidity(),
    })
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#offsets.byteLength + this.#child.byteSize()
  }
}

class MapBuilder extends BaseBuilder {
  #offsets: Int32Array
  readonly #keys: ColumnBuilder
  readonly #values: ColumnBuilder

  constructor(type: arrow.Map_, core: DataType & { kind: 'map' }, path: string, nullable: boolean, capacity: number) {
    super(type, core, path, nullable, capacity)
    this.#offsets = new Int32Array(capacity + 1)
    this.#keys = createColumnBuilder(core.key, `${path}.key`, false, capacity)
    this.#values = createColumnBuilder(core.value, `${path}.value`, true, capacity)
  }
  protected appendValue(i: number, value: Value, row: number): void {
    if (!(value instanceof Map)) this.fail(value, row)
    for (const [k, v] of value) {
      this.#keys.append(k, row)
      this.#values.append(v, row)
    }
    this.#setOffset(i + 1, this.#keys.length)
  }
  protected appendNull(i: number): void {
    this.#setOffset(i + 1, this.#keys.length)
  }
  protected override truncateValues(length: number): void {
    this.#keys.truncate(this.#offsets[length]!)
    this.#values.truncate(this.#offsets[length]!)
  }
  #setOffset(i: number, v: number): void {
    if (i >= this.#offsets.length) this.#offsets = grow(this.#offsets, i + 1)
    this.#offsets[i] = v
  }
  finish(): arrow.Data {
    const length = this.length
    const entriesType = (this.type as arrow.Map_).children[0]!.type
    const count = this.#keys.length
    const entries = arrow.makeData({
      type: entriesType,
      length: count,
      nullCount: 0,
      children: [this.#keys.finish(), this.#values.finish()],
    })
    const data = arrow.makeData({
      type: this.type as arrow.Map_,
      length,
      valueOffsets: this.#offsets.slice(0, length + 1),
      child: entries,
      ...this.takeValidity(),
    })
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#offsets.byteLength + this.#keys.byteSize() + this.#values.byteSize()
  }
}

class StructBuilder extends BaseBuilder {
  readonly #names: string[]
  readonly #children: ColumnBuilder[]

  constructor(
    type: arrow.Struct,
    core: DataType & { kind: 'struct' },
    path: string,
    nullable: boolean,
    capacity: number,
  ) {
    super(type, core, path, nullable, capacity)
    this.#names = core.fields.map((f) => f.name)
    this.#children = core.fields.map((f) => createColumnBuilder(f.type, `${path}.${f.name}`, f.nullable, capacity))
  }
  protected appendValue(_i: number, value: Value, row: number): void {
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Map) {
      this.fail(value, row)
    }
    const o = value as Record<string, Value>
    for (let k = 0; k < this.#children.length; k++) this.#children[k]!.append(o[this.#names[k]!] ?? null, row)
  }
  protected appendNull(): void {
    for (const child of this.#children) child.appendHidden()
  }
  protected override truncateValues(length: number): void {
    for (const child of this.#children) child.truncate(length)
  }
  finish(): arrow.Data {
    const length = this.length
    const data = arrow.makeData({
      type: this.type as arrow.Struct,
      length,
      children: this.#children.map((c) => c.finish()),
      ...this.takeValidity(),
    })
    this.length = 0

    return data
  }
  byteSize(): number {
    return this.#children.reduce((n, c) => n + c.byteSize(), 0)
  }
}

/** The builder for a column of `type`; `capacity` is the number of values expected (it grows past it). */
export function createColumnBuilder(type: DataType, path: string, nullable: boolean, capacity: number): ColumnBuilder {
  const arrowType = toArrowType(type, path)
  switch (type.kind) {
    case 'null':
      return new NullBuilder(arrowType, type, path, true, capacity)
    case 'boolean':
      return new BoolBuilder(arrowType, type, path, nullable, capacity)
    case 'int32':
      return new FixedBuilder(arrowType, type, path, nullable, capacity, Int32Array, (v) =>
        typeof v === 'number' && (v | 0) === v ? v : undefined,
      )
    case 'int64':
      return new FixedBuilder(arrowType, type, path, nullable, capacity, BigInt64Array, (v) =>
        typeof v === 'bigint'
          ? v >= INT64_MIN && v <= INT64_MAX
            ? v
            : undefined
          : typeof v === 'number' && Number.isSafeInteger(v)
            ? BigInt(v)
            : undefined,
      )
    case 'float64':
      return new FixedBuilder(arrowType, type, path, nullable, capacity, Float64Array, (v) =>
        typeof v === 'number' ? v : undefined,
      )
    case 'date':
      return new FixedBuilder(arrowType, type, path, nullable, capacity, Int32Array, (v) =>
        typeof v === 'number' && (v | 0) === v ? v : undefined,
      )
    case 'time': {
      const unit = UNIT_NANOS[type.unit]
      const ok = (v: Value): v is bigint => typeof v === 'bigint' && v >= 0n && v <= 86_400_000_000_000n
      if (type.unit === 'ms') {
        return new FixedBuilder(arrowType, type, path, nullable, capacity, Int32Array, (v) =>
          ok(v) ? Number(floorTo(v, unit) / unit) : undefined,
        )
      }

      return new FixedBuilder(arrowType, type, path, nullable, capacity, BigInt64Array, (v) =>
        ok(v) ? floorTo(v, unit) / unit : undefined,
      )
    }
    case 'timestamp': {
      const unit = UNIT_NANOS[type.unit]
      if (unit === 1n) {
        return new FixedBuilder(arrowType, type, path, nullable, capacity, BigInt64Array, (v) =>
          typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX ? v : undefined,
        )
      }

      // Nanoseconds finer than the column's unit are dropped toward the past (floor), as a cast does.
      return new FixedBuilder(arrowType, type, path, nullable, capacity, BigInt64Array, (v) =>
        typeof v === 'bigint' ? floorTo(v, unit) / unit : undefined,
      )
    }
    case 'decimal':
      return new DecimalBuilder(arrowType as arrow.Decimal, type, path, nullable, capacity)
    case 'string':
    case 'bytes':
      return new VarBinaryBuilder(arrowType, type, path, nullable, capacity)
    case 'list':
      return new ListBuilder(arrowType as arrow.List, type, path, nullable, capacity)
    case 'map':
      return new MapBuilder(arrowType as arrow.Map_, type, path, nullable, capacity)
    case 'struct':
      return new StructBuilder(arrowType as arrow.Struct, type, path, nullable, capacity)
    case 'interval':
      // toArrowType has already thrown FERRIS_UNSUPPORTED for intervals.
      throw new FerrisError('FERRIS_INTERNAL', `No Parquet builder for ${typeToString(type)}`)
  }
}
