import {
  type DataType,
  Decimal,
  FerrisError,
  type Field,
  formatDate,
  formatValue,
  isDecimal,
  NANOS_PER_SECOND,
  typeToString,
  type Value,
} from '@ferris/core'
import { baseType, type ClickhouseType, parseClickhouseType, tupleElement } from './clickhouse-type.js'

/** Turns one value into its JSONEachRow text for one ClickHouse column. Throws FERRIS_TYPE_CONVERSION. */
export type Encode = (value: Value) => string

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  Int8: [-128n, 127n],
  Int16: [-32768n, 32767n],
  Int32: [-2147483648n, 2147483647n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  Int128: [-(2n ** 127n), 2n ** 127n - 1n],
  Int256: [-(2n ** 255n), 2n ** 255n - 1n],
  UInt8: [0n, 255n],
  UInt16: [0n, 65535n],
  UInt32: [0n, 4294967295n],
  UInt64: [0n, 2n ** 64n - 1n],
  UInt128: [0n, 2n ** 128n - 1n],
  UInt256: [0n, 2n ** 256n - 1n],
}
/**
 * Date stores days 0..65535, but 18.16 reads date text only up to 2105-12-31 (later dates become 0000-00-00):
 * the bound every version keeps. Date32 holds 1900-01-01..2299-12-31 on current servers.
 */
const DATE_RANGE: readonly [number, number] = [0, 49672]
const DATE32_RANGE: readonly [number, number] = [-25567, 120529]
/** DateTime holds 32 bits of seconds, but 18.16 prints instants from 2106-02-07 on as 1970: stop before. */
const DATETIME_MAX_SECONDS = 4294943999n
const DECIMAL_PRECISION: Readonly<Record<string, number>> = {
  Decimal32: 9,
  Decimal64: 18,
  Decimal128: 38,
  Decimal256: 76,
}
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The encoder of one field into one column. Every decision about types is taken here, once per writer; the
 * returned function only formats. Values are written so the server parses them exactly on every version we
 * know: integers and decimals as unquoted digits (18.16 cannot read quoted decimals), timestamps as
 * unquoted epoch seconds with their fraction (no time-zone text to misread, no DST ambiguity), NaN and
 * infinities as the quoted words ClickHouse accepts.
 */
export function columnEncoder(field: Field, column: ClickhouseType): Encode {
  return encoderFor(field.type, column, field.name)
}

function encoderFor(type: DataType, column: ClickhouseType, where: string): Encode {
  const { base, nullable } = baseType(column)
  const inner = baseEncoder(type, base, where)
  const container = base.name === 'Array' || base.name === 'Map' || base.name === 'Tuple'
  if (nullable) return (v) => (v === null ? 'null' : inner(v))
  // Limitation: ClickHouse has no Nullable Array, Map or Tuple; a NULL one is written empty.
  if (base.name === 'Array') return (v) => (v === null ? '[]' : inner(v))
  if (base.name === 'Map') return (v) => (v === null ? '{}' : inner(v))

  return (v) => {
    if (v === null) {
      throw new FerrisError(
        'FERRIS_TYPE_CONVERSION',
        `${where} is NULL but the ClickHouse column is ${column.text}, which cannot hold NULL${container ? '' : ' (the server would store a default value instead)'}`,
        {
          subject: where,
          value: null,
          expected: `a ${column.text} value`,
          hint: `Make the column Nullable(${column.text}), or filter or COALESCE the NULLs`,
        },
      )
    }

    return inner(v)
  }
}

function mismatch(type: DataType, column: ClickhouseType, where: string): FerrisError {
  return new FerrisError(
    'FERRIS_SCHEMA_MISMATCH',
    `${where} is ${typeToString(type)}, which cannot be written into the ClickHouse column type ${column.text}`,
    {
      subject: where,
      value: column.text,
      expected: `a column type that holds ${typeToString(type)}`,
      hint: 'CAST the value in the query, or change the column type',
    },
  )
}

function outOfRange(where: string, shown: string, column: ClickhouseType, range: string): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `${where} = ${shown} does not fit the ClickHouse column type ${column.text} (${range})`,
    {
      subject: where,
      value: shown,
      expected: range,
      hint: 'Use a wider column type, or filter the row',
    },
  )
}

function baseEncoder(type: DataType, col: ClickhouseType, where: string): Encode {
  const range = INT_RANGES[col.name]
  if (range !== undefined) return integerEncoder(type, col, where, range)
  switch (col.name) {
    case 'Float32':
    case 'Float64':
      if (type.kind === 'float64' || type.kind === 'int32') return encodeFloat
      throw mismatch(type, col, where)
    case 'Bool':
    case 'Boolean':
      if (type.kind !== 'boolean') throw mismatch(type, col, where)

      return (v) => (v ? 'true' : 'false')
    case 'Decimal':
    case 'Decimal32':
    case 'Decimal64':
    case 'Decimal128':
    case 'Decimal256':
      return decimalEncoder(type, col, where)
    case 'String':
    case 'FixedString':
    case 'Enum8':
    case 'Enum16':
    case 'UUID':
      return stringEncoder(type, col, where)
    case 'Date':
    case 'Date32':
      return dateEncoder(type, col, where)
    case 'DateTime':
      return dateTimeEncoder(type, col, where)
    case 'DateTime64':
      return dateTime64Encoder(type, col, where)
    case 'Array': {
      if (type.kind !== 'list') throw mismatch(type, col, where)
      const element = encoderFor(type.element, parseClickhouseType(col.args[0]!), `${where}[]`)

      return (v) => {
        const items = v as readonly Value[]
        let out = '['
        for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + element(items[i]!)

        return `${out}]`
      }
    }
    case 'Map': {
      if (type.kind !== 'map') throw mismatch(type, col, where)
      const key = encoderFor(type.key, parseClickhouseType(col.args[0]!), `${where} key`)
      const value = encoderFor(type.value, parseClickhouseType(col.args[1]!), `${where} value`)

      return (v) => {
        let out = '{'
        let first = true
        for (const [k, x] of v as ReadonlyMap<Value, Value>) {
          const text = key(k)
          // JSON object keys are strings; ClickHouse reads the key's type from inside the quotes.
          out += `${first ? '' : ','}${text.startsWith('"') ? text : JSON.stringify(text)}:${value(x)}`
          first = false
        }

        return `${out}}`
      }
    }
    case 'Tuple':
      return tupleEncoder(type, col, where)
    default:
      throw mismatch(type, col, where)
  }
}

function integerEncoder(type: DataType, col: ClickhouseType, where: string, [min, max]: readonly [bigint, bigint]) {
  const check = (n: bigint, shown: string): string => {
    if (n < min || n > max) throw outOfRange(where, shown, col, `${min} to ${max}`)

    return n.toString()
  }
  switch (type.kind) {
    case 'int32':
      // An int32 fits every integer column from Int32 up; narrower and unsigned ones are checked.
      if (min <= -2147483648n && max >= 2147483647n) return (v: Value) => String(v)

      return (v: Value) => check(BigInt(v as number), String(v))
    case 'int64':
      return (v: Value) => check(v as bigint, String(v))
    case 'boolean':
      return (v: Value) => (v ? '1' : '0')
    case 'decimal':
      if (type.scale !== 0) throw mismatch(type, col, where)

      return (v: Value) => {
        const d = v as Decimal

        return check(d.rescale(0).unscaled, d.toString())
      }
    case 'timestamp': {
      // The Int64 fallback of old servers: the epoch count in the column unit.
      const step = type.unit === 'ms' ? 1_000_000n : type.unit === 'us' ? 1_000n : 1n

      return (v: Value) => check((v as bigint) / step, String(v))
    }
    default:
      throw mismatch(type, col, where)
  }
}

function encodeFloat(v: Value): string {
  const n = v as number
  if (Number.isFinite(n)) return Object.is(n, -0) ? '-0' : String(n)

  return Number.isNaN(n) ? '"nan"' : n > 0 ? '"inf"' : '"-inf"'
}

function decimalEncoder(type: DataType, col: ClickhouseType, where: string): Encode {
  const precision = DECIMAL_PRECISION[col.name] ?? Number(col.args[0])
  const scale = col.name === 'Decimal' ? Number(col.args[1] ?? 0) : Number(col.args[0])
  const limit = 10n ** BigInt(precision)
  const fit = (d: Decimal): string => {
    if (!d.fitsScale(scale)) {
      throw new FerrisError(
        'FERRIS_TYPE_CONVERSION',
        `${where} = ${d.toString()} has more than ${scale} fractional digits, which ${col.text} would round away`,
        {
          subject: where,
          value: d.toString(),
          expected: `at most ${scale} fractional digits`,
          hint: 'ROUND or CAST it first, or widen the column scale',
        },
      )
    }
    const r = d.rescale(scale)
    if (r.unscaled >= limit || r.unscaled <= -limit) {
      throw outOfRange(where, d.toString(), col, `at most ${precision - scale} digits before the decimal point`)
    }

    return r.toString()
  }
  switch (type.kind) {
    case 'decimal':
      return (v) => {
        if (!isDecimal(v)) throw new FerrisError('FERRIS_INTERNAL', `${where} holds a ${typeof v}, not a Decimal`)

        return fit(v)
      }
    case 'int32':
    case 'int64':
      return (v) => fit(new Decimal(BigInt(v as number | bigint), 0))
    default:
      throw mismatch(type, col, where)
  }
}

function stringEncoder(type: DataType, col: ClickhouseType, where: string): Encode {
  switch (type.kind) {
    case 'string':
      return (v) => JSON.stringify(v)
    case 'bytes':
      return (v) => {
        // Limitation: BYTES are written as text; bytes that are not UTF-8 go to the bad-record policy.
        try {
          return JSON.stringify(UTF8.decode(v as Uint8Array))
        } catch {
          throw new FerrisError(
            'FERRIS_TYPE_CONVERSION',
            `${where} holds bytes that are not UTF-8 text; the ClickHouse connector writes BYTES as text`,
            {
              subject: where,
              value: Buffer.from(v as Uint8Array).toString('base64'),
              expected: 'UTF-8 bytes',
              hint: 'Encode the bytes first, e.g. TO_BASE64(col) or HEX(col)',
            },
          )
        }
      }
    default:
      if (col.name !== 'String') throw mismatch(type, col, where)

      // TIME, INTERVAL, dates and numbers into a String column: their canonical text.
      return (v) => JSON.stringify(formatValue(v, type))
  }
}

function dateEncoder(type: DataType, col: ClickhouseType, where: string): Encode {
  if (type.kind !== 'date') throw mismatch(type, col, where)
  const [min, max] = col.name === 'Date32' ? DATE32_RANGE : DATE_RANGE

  return (v) => {
    const days = v as number
    if (days < min || days > max) {
      throw outOfRange(where, formatDate(days), col, `${formatDate(min)} to ${formatDate(max)}`)
    }

    return `"${formatDate(days)}"`
  }
}

function dateTimeEncoder(type: DataType, col: ClickhouseType, where: string): Encode {
  if (type.kind !== 'timestamp') throw mismatch(type, col, where)

  return (v) => {
    const nanos = v as bigint
    if (nanos % NANOS_PER_SECOND !== 0n) {
      throw new FerrisError(
        'FERRIS_TYPE_CONVERSION',
        `${where} = ${formatValue(nanos, type)} has a fraction of a second, which the ClickHouse column type ${col.text} cannot hold`,
        {
          subject: where,
          value: formatValue(nanos, type),
          expected: 'whole seconds',
          hint: 'Truncate it (DATE_TRUNC) or use a DateTime64 column (ClickHouse 20.1 or later)',
        },
      )
    }
    const seconds = nanos / NANOS_PER_SECOND
    if (seconds < 0n || seconds > DATETIME_MAX_SECONDS) {
      throw outOfRange(where, formatValue(nanos, type), col, '1970-01-01 00:00:00 to 2106-02-06 23:59:59 UTC')
    }

    return seconds.toString()
  }
}

function dateTime64Encoder(type: DataType, col: ClickhouseType, where: string): Encode {
  if (type.kind !== 'timestamp') throw mismatch(type, col, where)
  const precision = Number(col.args[0] ?? 3)
  const step = 10n ** BigInt(9 - precision)

  return (v) => {
    const nanos = v as bigint
    if (nanos % step !== 0n) {
      throw new FerrisError(
        'FERRIS_TYPE_CONVERSION',
        `${where} = ${formatValue(nanos, type)} has more fractional digits than ${col.text} keeps (${precision})`,
        {
          subject: where,
          value: formatValue(nanos, type),
          expected: `at most ${precision} fractional digits`,
          hint: 'Truncate it first, or use a column with a finer precision',
        },
      )
    }
    // Epoch seconds with the fraction, unquoted: exact, and independent of the column's time zone.
    return secondsText(nanos)
  }
}

/** `-0.001` for -1 ms: epoch seconds as an exact decimal. */
function secondsText(nanos: bigint): string {
  const negative = nanos < 0n
  const abs = negative ? -nanos : nanos
  const whole = abs / NANOS_PER_SECOND
  const frac = abs % NANOS_PER_SECOND
  const text = frac === 0n ? whole.toString() : `${whole}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`

  return negative ? `-${text}` : text
}

function tupleEncoder(type: DataType, col: ClickhouseType, where: string): Encode {
  if (type.kind !== 'struct') throw mismatch(type, col, where)
  const elements = col.args.map(tupleElement)
  if (elements.length !== type.fields.length) throw mismatch(type, col, where)
  const named = elements.every((e) => e.name !== undefined)
  // Named tuples take JSON objects on current servers (and match by name); unnamed ones take arrays, by position.
  const parts = elements.map((el, i) => {
    const field = named ? type.fields.find((f) => f.name === el.name) : type.fields[i]
    if (field === undefined) throw mismatch(type, col, where)

    return {
      name: field.name,
      prefix: named ? `${JSON.stringify(el.name)}:` : '',
      encode: encoderFor(field.type, el.type, `${where}.${field.name}`),
    }
  })

  return (v) => {
    const s = v as Readonly<Record<string, Value>>
    let out = named ? '{' : '['
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      out += `${i === 0 ? '' : ','}${p.prefix}${p.encode(s[p.name] ?? null)}`
    }

    return out + (named ? '}' : ']')
  }
}

/**
 * The encoder of whole rows: `{"a":1,"b":"x"}` per row, the column names JSON-quoted once. The column
 * order is the schema's; columns of the table that the schema lacks get their defaults.
 */
export function rowEncoder(
  fields: readonly Field[],
  columns: readonly ClickhouseType[],
): (row: readonly Value[]) => string {
  const encoders = fields.map((f, i) => columnEncoder(f, columns[i]!))
  const prefixes = fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`)
  const n = fields.length

  return (row) => {
    let out = ''
    for (let i = 0; i < n; i++) out += prefixes[i]! + encoders[i]!(row[i] ?? null)

    return `${out}}\n`
  }
}
