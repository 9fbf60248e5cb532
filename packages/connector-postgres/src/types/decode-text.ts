import { Decimal, FerrisError, parseDate, parseTime, parseTimestamp, type Value } from '@ferris/core'
import { parse as parseArray } from 'postgres-array'
import { ARRAY_ELEMENT, OID } from './pg-types.js'

/** Reads PostgreSQL's text output of one type; throws FERRIS_TYPE_CONVERSION on text it does not understand. */
export type TextDecoder = (text: string) => Value

/**
 * The decoder for a column's text output, chosen once per column. Text is what both the snapshot (all type
 * parsers of `pg` replaced by identity, see `rawTypes`) and pgoutput deliver, so one decoder serves both.
 * It relies on the session settings `sessionOptions` sets: DateStyle ISO, TimeZone UTC, bytea_output hex,
 * extra_float_digits 3, so the host's time zone and the server's defaults never change a value.
 */
export function textDecoder(oid: number): TextDecoder {
  const element = ARRAY_ELEMENT.get(oid)
  if (element !== undefined) {
    const inner = textDecoder(element)

    return (text) => parseArray(text, inner) as Value
  }
  switch (oid) {
    case OID.bool:
      return (t) => {
        if (t === 't') return true
        if (t === 'f') return false
        throw bad(t, 'boolean', 't or f')
      }
    case OID.int2:
    case OID.int4:
      return (t) => {
        const n = Number(t)
        if (!Number.isInteger(n)) throw bad(t, 'integer', 'an integer')

        return n
      }
    case OID.int8:
    case OID.oid:
      return (t) => {
        try {
          return BigInt(t)
        } catch {
          throw bad(t, 'bigint', 'an integer')
        }
      }
    case OID.float4:
    case OID.float8:
      return (t) => {
        const n = Number(t)
        if (Number.isNaN(n) && t !== 'NaN') throw bad(t, 'double precision', 'a number')

        return n
      }
    case OID.numeric:
      return (t) => {
        if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') {
          throw bad(t, 'numeric', 'a finite number (DECIMAL has no NaN or infinity)')
        }

        return Decimal.parse(t)
      }
    case OID.bytea:
      return (t) => {
        if (!t.startsWith('\\x')) throw bad(t.slice(0, 40), 'bytea', 'hex output (\\x...)')

        return new Uint8Array(Buffer.from(t.slice(2), 'hex'))
      }
    case OID.date:
      return (t) => {
        if (t.endsWith(' BC') || t === 'infinity' || t === '-infinity')
          throw bad(t, 'date', 'a date from 0001-01-01 AD')

        return parseDate(t)
      }
    case OID.time:
      return (t) => parseTime(t)
    case OID.timestamp:
      return (t) => {
        if (t.endsWith(' BC') || t === 'infinity' || t === '-infinity') {
          throw bad(t, 'timestamp', 'a timestamp from 0001-01-01 AD')
        }

        return parseTimestamp(t)
      }
    case OID.timestamptz:
      return (t) => {
        if (t.endsWith(' BC') || t === 'infinity' || t === '-infinity') {
          throw bad(t, 'timestamptz', 'a timestamp from 0001-01-01 AD')
        }
        // With TimeZone=UTC the server prints `+00`; parseTimestamp honours any offset it finds anyway.
        return parseTimestamp(t)
      }
    default:
      // text, varchar, uuid, json, jsonb (JSON text as stored: jsonb's canonical form), interval (ISO 8601
      // with IntervalStyle iso_8601), and any other type's text output.
      return (t) => t
  }
}

function bad(text: string, pgType: string, expected: string): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `PostgreSQL ${pgType} value ${JSON.stringify(text)} has no Ferris value: expected ${expected}`,
    {
      value: text,
      expected,
    },
  )
}
