import {
  type DataType,
  type ExactJson,
  FerrisError,
  JsonNumber,
  parseTimestamp,
  parseValue,
  typeToString,
  UNIT_NANOS,
  type Value,
} from '@ferris/core'

/** Turns one JSONEachRow value (read with exact numbers) into the value of a core type. */
export type Decode = (json: ExactJson) => Value

const ZERO_DATE = '0000-00-00'
const ENCODER = new TextEncoder()

/**
 * The decoder for one field. ClickHouse prints 64-bit integers quoted or not (by setting and version),
 * decimals as unquoted exact digits, Date 0 as `0000-00-00` on old servers, DateTime and DateTime64 as wall
 * clocks without a zone (read in `zone`: the reader asks the server for UTC where it builds the SELECT),
 * non-finite floats as "nan"/"inf" when asked, unnamed tuples as arrays and named ones as objects.
 */
export function decoderFor(type: DataType, where: string, zone = 'UTC', nestedZone = zone): Decode {
  const fail = (json: ExactJson, detail?: string): never => {
    const shown = json instanceof JsonNumber ? json.text : JSON.stringify(json)
    throw new FerrisError(
      'FERRIS_TYPE_CONVERSION',
      `${where}: ClickHouse returned ${shown}, which does not read as ${typeToString(type)}${detail === undefined ? '' : `: ${detail}`}`,
      {
        subject: where,
        value: shown,
        expected: typeToString(type),
        hint: 'Declare the column with the type the query returns, or CAST it in the query',
      },
    )
  }
  const text = (json: ExactJson): string => {
    if (json instanceof JsonNumber) return json.text
    if (typeof json === 'string') return json
    if (typeof json === 'boolean') return json ? 'true' : 'false'

    return fail(json)
  }
  const guard =
    (read: (json: ExactJson) => Value): Decode =>
    (json) => {
      if (json === null) return null
      try {
        return read(json)
      } catch (error) {
        if (error instanceof FerrisError && error.message.startsWith(where)) throw error

        return fail(json, error instanceof Error ? error.message : String(error))
      }
    }
  switch (type.kind) {
    case 'date':
      return guard((json) => {
        const t = text(json)

        return t === ZERO_DATE ? 0 : parseValue(t, type)
      })
    case 'timestamp': {
      const unit = UNIT_NANOS[type.unit]

      return guard((json) => {
        const t = text(json)
        if (t.startsWith(ZERO_DATE)) return 0n
        // The Int64 fallback of old servers holds the epoch count in the column's unit.
        if (/^-?\d+$/.test(t)) return BigInt(t) * unit
        const nanos = parseTimestamp(t, { zone, disambiguation: 'earlier' })
        if (nanos % unit !== 0n) fail(json, `it has digits finer than ${type.unit}`)

        return nanos
      })
    }
    case 'bytes':
      return guard((json) => ENCODER.encode(text(json)))
    case 'list': {
      const element = decoderFor(type.element, `${where}[]`, nestedZone)

      return guard((json) => (Array.isArray(json) ? json.map(element) : fail(json)))
    }
    case 'map': {
      const key = decoderFor(type.key, `${where} key`, nestedZone)
      const value = decoderFor(type.value, `${where} value`, nestedZone)

      return guard((json) => {
        if (json === null || typeof json !== 'object' || Array.isArray(json) || json instanceof JsonNumber)
          return fail(json)
        const out = new Map<Value, Value>()
        for (const [k, v] of Object.entries(json)) out.set(key(k), value(v))

        return out
      })
    }
    case 'struct': {
      const fields = type.fields.map((f) => ({
        name: f.name,
        nullable: f.nullable,
        decode: decoderFor(f.type, `${where}.${f.name}`, nestedZone),
      }))

      return guard((json) => {
        const out: Record<string, Value> = {}
        if (Array.isArray(json)) {
          if (json.length !== fields.length) fail(json, `${json.length} elements for ${fields.length} fields`)
          fields.forEach((f, i) => {
            out[f.name] = f.decode(json[i]!)
          })
        } else if (json !== null && typeof json === 'object' && !(json instanceof JsonNumber)) {
          const obj = json as Readonly<Record<string, ExactJson>>
          fields.forEach((f, i) => {
            // Unnamed tuples of current servers print as objects keyed "1", "2", ...
            const v = Object.hasOwn(obj, f.name) ? obj[f.name]! : (obj[String(i + 1)] ?? null)
            out[f.name] = f.decode(v)
          })
        } else {
          fail(json)
        }
        for (const f of fields) if (out[f.name] === null && !f.nullable) fail(json, `field ${f.name} is null`)

        return out
      })
    }
    case 'null':
      return guard((json) => fail(json))
    default:
      return guard((json) => parseValue(text(json), type))
  }
}
