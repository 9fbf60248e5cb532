import type { Row } from '@ferris/core'
import type { DecodeBadRecord, RecordDecoder } from '../src/decoder.js'

export interface Decoded {
  rows: Row[]
  ends: number[]
  lines: number[]
  starts: number[]
  endLines: number[]
  bad: Array<Omit<DecodeBadRecord, 'error'> & { message: string; code: string }>
}

/** Feeds `bytes` to a fresh decoder in chunks of `size` bytes and collects everything. */
export function decodeAll(make: () => RecordDecoder, input: string | Uint8Array, size = 1 << 20): Decoded {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  const d = make()
  const out: Decoded = { rows: [], ends: [], lines: [], starts: [], endLines: [], bad: [] }
  const add = (c: ReturnType<RecordDecoder['push']>) => {
    const base = out.rows.length
    out.rows.push(...c.rows)
    out.ends.push(...c.ends)
    out.lines.push(...c.lines)
    out.starts.push(...c.starts)
    out.endLines.push(...c.endLines)
    for (const b of c.bad) {
      const { error, ...rest } = b
      out.bad.push({ ...rest, index: base + b.index, message: error.message, code: error.code })
    }
  }
  for (let i = 0; i < bytes.length; i += size) add(d.push(bytes.subarray(i, i + size)))
  add(d.end())

  return out
}

/** Decodes with every chunk size from 1 to the input length and checks all agree; returns the result. */
export function decodeEveryChunking(make: () => RecordDecoder, input: string): Decoded {
  const whole = decodeAll(make, input)
  const n = new TextEncoder().encode(input).length
  for (let size = 1; size <= n; size++) {
    const got = decodeAll(make, input, size)
    if (JSON.stringify(got, replacer) !== JSON.stringify(whole, replacer)) {
      throw new Error(
        `chunk size ${size} decodes differently:\n${JSON.stringify(got, replacer)}\nvs\n${JSON.stringify(whole, replacer)}`,
      )
    }
  }

  return whole
}

function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v
}
