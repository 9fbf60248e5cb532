import { FerrisError, isFerrisError } from '@ferris/core'
import type { RandomAccessInput } from '../io.js'
import {
  dropFields,
  field,
  readThriftStruct,
  setField,
  type ThriftList,
  type ThriftStruct,
  TType,
  writeThriftStruct,
} from './thrift-compact.js'

/**
 * A Parquet file's footer, read by ranges, and the means to decode one row group at a time.
 *
 * Why not parquet-wasm's own ranged reader (`ParquetFile.fromFile`): when a read fails or a page is corrupt it
 * panics inside WebAssembly and the promise never settles (and the panic surfaces as an uncaught exception), so
 * one S3 hiccup could hang or kill a job. Instead Ferris reads the footer and each row group's bytes itself, with
 * ordinary errors, and hands parquet-wasm's synchronous decoder a small file that holds just that row group: the
 * row group's bytes behind a copy of the footer that lists only it, with its offsets moved. The synchronous
 * decoder reports corrupt data as an error.
 */

const MAGIC = 'PAR1'
const ENCRYPTED_MAGIC = 'PARE'
/** One read of the file's end usually holds the whole footer. */
const TAIL_GUESS = 64 * 1024

export interface RowGroupRange {
  readonly index: number
  readonly numRows: number
  /** Byte range of the row group's column chunks in the file. */
  readonly start: number
  readonly end: number
}

export interface ParquetFooter {
  readonly metadata: ThriftStruct
  readonly numRows: number
  readonly rowGroups: readonly RowGroupRange[]
  readonly createdBy: string | undefined
}

export function malformed(input: RandomAccessInput, why: string, cause?: unknown): FerrisError {
  return new FerrisError('FERRIS_RECORD_MALFORMED', `Cannot read ${input.name} as Parquet: ${why}`, {
    subject: input.name,
    location: { file: input.name },
    hint: 'check that the file is a complete Parquet file (it starts and ends with PAR1)',
    ...(cause === undefined ? {} : { cause }),
  })
}

async function readExactly(input: RandomAccessInput, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await input.read(offset, length)
  if (bytes.byteLength !== length) {
    throw new FerrisError(
      'FERRIS_IO',
      `Short read from ${input.name}: ${bytes.byteLength} of ${length} bytes at byte ${offset}`,
      {
        subject: input.name,
        location: { file: input.name, byte: offset },
        hint: 'the file changed or was truncated while it was being read',
      },
    )
  }

  return bytes
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** Reads and decodes the footer: one ranged read of the file's end, two when the footer is larger than 64 KiB. */
export async function readFooter(input: RandomAccessInput): Promise<ParquetFooter> {
  const size = await input.size()
  if (size < 12) throw malformed(input, `it is ${size} bytes long, shorter than any Parquet file`)
  const tailLength = Math.min(size, TAIL_GUESS)
  const tail = await readExactly(input, size - tailLength, tailLength)
  const magic = text(tail.subarray(tailLength - 4))
  if (magic === ENCRYPTED_MAGIC) {
    throw new FerrisError(
      'FERRIS_UNSUPPORTED',
      `${input.name} is an encrypted Parquet file, which Ferris cannot read`,
      {
        subject: input.name,
        location: { file: input.name },
      },
    )
  }
  if (magic !== MAGIC) throw malformed(input, `it does not end with ${MAGIC}`)
  const footerLength = new DataView(tail.buffer, tail.byteOffset + tailLength - 8, 4).getUint32(0, true)
  if (footerLength + 12 > size)
    throw malformed(input, `its footer claims ${footerLength} bytes, more than the file holds`)
  const footerBytes =
    footerLength + 8 <= tailLength
      ? tail.subarray(tailLength - 8 - footerLength, tailLength - 8)
      : await readExactly(input, size - 8 - footerLength, footerLength)
  let metadata: ThriftStruct
  try {
    metadata = readThriftStruct(footerBytes).struct
  } catch (error) {
    throw malformed(input, isFerrisError(error) ? error.message : String(error), error)
  }
  if (field(metadata, 8) !== undefined) {
    throw new FerrisError('FERRIS_UNSUPPORTED', `${input.name} has encrypted columns, which Ferris cannot read`, {
      subject: input.name,
      location: { file: input.name },
    })
  }
  const groups = (field(metadata, 4) as ThriftList | undefined)?.items ?? []
  const rowGroups = groups.map((g, index) => rowGroupRange(g as ThriftStruct, index, size, input))
  const createdBy = field(metadata, 6)

  return {
    metadata,
    numRows: Number(field(metadata, 3) ?? 0n),
    rowGroups,
    createdBy: createdBy instanceof Uint8Array ? text(createdBy) : undefined,
  }
}

function rowGroupRange(group: ThriftStruct, index: number, size: number, input: RandomAccessInput): RowGroupRange {
  let start = Number.POSITIVE_INFINITY
  let end = 0
  for (const chunk of (field(group, 1) as ThriftList).items as ThriftStruct[]) {
    if (field(chunk, 1) !== undefined) {
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `${input.name} keeps row group ${index} in another file, which Ferris cannot read`,
        {
          subject: input.name,
          location: { file: input.name, rowGroup: index },
        },
      )
    }
    const meta = field(chunk, 3) as ThriftStruct
    const data = Number(field(meta, 9) as bigint)
    const dictionary = field(meta, 11) as bigint | undefined
    // Some old writers store 0 for "no dictionary page"; a real one always comes before the data pages.
    const first = dictionary !== undefined && dictionary > 0n && Number(dictionary) < data ? Number(dictionary) : data
    const last = first + Number(field(meta, 7) as bigint)
    start = Math.min(start, first)
    end = Math.max(end, last)
  }
  if (end > size - 8 || (end > 0 && start < 4)) {
    throw malformed(input, `row group ${index} claims bytes ${start} to ${end}, outside the file's ${size} bytes`)
  }

  return { index, numRows: Number(field(group, 3) as bigint), start: end === 0 ? 4 : start, end: end === 0 ? 4 : end }
}

function frame(body: Uint8Array, footer: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length + footer.length + 8)
  out.set([0x50, 0x41, 0x52, 0x31], 0)
  out.set(body, 4)
  out.set(footer, 4 + body.length)
  new DataView(out.buffer).setUint32(4 + body.length + footer.length, footer.length, true)
  out.set([0x50, 0x41, 0x52, 0x31], out.length - 4)

  return out
}

/** A Parquet file with the footer's schema and no rows, for reading the schema. */
export function schemaOnlyFile(footer: ParquetFooter): Uint8Array {
  const meta: ThriftStruct = { kind: 'struct', fields: footer.metadata.fields.map((f) => ({ ...f })) }
  setField(meta, 3, TType.I64, 0n)
  setField(meta, 4, TType.LIST, { kind: 'list', elementType: TType.STRUCT, set: false, items: [] })

  return frame(new Uint8Array(0), writeThriftStruct(meta))
}

/**
 * A Parquet file holding only row group `group`, whose bytes (`footer.rowGroups[group]`'s range) are `body`.
 * Offsets that point into the file are moved; page indexes and bloom filters, which lie elsewhere, are left out.
 */
export function rowGroupFile(footer: ParquetFooter, group: number, body: Uint8Array): Uint8Array {
  const range = footer.rowGroups[group]!
  const shift = BigInt(4 - range.start)
  const move = (s: ThriftStruct, id: number): void => {
    const v = field(s, id)
    if (typeof v === 'bigint' && v > 0n) setField(s, id, TType.I64, v + shift)
  }
  const original = ((field(footer.metadata, 4) as ThriftList).items[group] as ThriftStruct).fields
  const rowGroup: ThriftStruct = { kind: 'struct', fields: original.map((f) => ({ ...f })) }
  const chunks = (field(rowGroup, 1) as ThriftList).items.map((c) => {
    const chunk: ThriftStruct = { kind: 'struct', fields: (c as ThriftStruct).fields.map((f) => ({ ...f })) }
    dropFields(chunk, 4, 5, 6, 7)
    move(chunk, 2)
    const meta: ThriftStruct = {
      kind: 'struct',
      fields: (field(chunk, 3) as ThriftStruct).fields.map((f) => ({ ...f })),
    }
    move(meta, 9)
    move(meta, 10)
    move(meta, 11)
    dropFields(meta, 14, 15)
    setField(chunk, 3, TType.STRUCT, meta)

    return chunk
  })
  setField(rowGroup, 1, TType.LIST, { kind: 'list', elementType: TType.STRUCT, set: false, items: chunks })
  move(rowGroup, 5)
  dropFields(rowGroup, 7)
  const meta: ThriftStruct = { kind: 'struct', fields: footer.metadata.fields.map((f) => ({ ...f })) }
  setField(meta, 3, TType.I64, BigInt(range.numRows))
  setField(meta, 4, TType.LIST, { kind: 'list', elementType: TType.STRUCT, set: false, items: [rowGroup] })

  return frame(body, writeThriftStruct(meta))
}

/** Reads a row group's bytes: one ranged read. */
export function readRowGroupBytes(input: RandomAccessInput, range: RowGroupRange): Promise<Uint8Array> {
  return readExactly(input, range.start, range.end - range.start)
}
