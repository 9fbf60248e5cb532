import type { RecordBatch, Schema } from '@ferris/core'
import { createParquetWriter, type ParquetCompression, type RecordEncoder } from '@ferris/formats'
import type { TempFile } from './temp-file.js'

/** Writes the rows of one output file, start to end, into a temp file. */
export interface PartEncoder {
  write(batch: RecordBatch): Promise<void>
  /** Writes what closes the file (a JSON array's bracket, a Parquet footer). */
  end(): Promise<void>
}

/** A stream format: encoded bytes are appended as they come. */
export function streamPart(encoder: RecordEncoder, temp: TempFile): PartEncoder {
  temp.append(encoder.begin())

  return {
    async write(batch) {
      temp.append(encoder.encode(batch))
      if (temp.needsFlush()) await temp.flush()
    },
    async end() {
      temp.append(encoder.end())
    },
  }
}

export interface ParquetPartOptions {
  readonly compression: ParquetCompression
  readonly rowGroupSize?: number
}

/** Parquet: rows are buffered into row groups, each written to the temp file when full. */
export async function parquetPart(schema: Schema, temp: TempFile, options: ParquetPartOptions): Promise<PartEncoder> {
  const writer = await createParquetWriter(
    schema,
    {
      async write(chunk) {
        temp.append(chunk)
        if (temp.needsFlush()) await temp.flush()
      },
    },
    {
      compression: options.compression,
      createdBy: 'ferris @ferris/connector-file',
      ...(options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize }),
    },
  )

  return {
    write: (batch) => writer.write(batch),
    async end() {
      await writer.finish()
    },
  }
}
