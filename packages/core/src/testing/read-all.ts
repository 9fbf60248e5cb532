import type { Position } from '../contracts/position.js'
import type { DataSink } from '../contracts/sink.js'
import type { DataSource } from '../contracts/source.js'
import { FerrisError } from '../errors/ferris-error.js'
import type { RecordBatch } from '../records/batch.js'
import type { Schema } from '../schema/schema.js'
import type { Row } from '../types/value.js'

/**
 * Opens a bounded source, reads it to the end and closes it: the shortest way for a connector test to see
 * what a source produces. Fails if the source stays idle `maxIdle` times in a row (an unbounded source).
 */
export async function readAll(
  source: DataSource,
  options: { schema?: Schema; from?: Position; batchSize?: number; maxIdle?: number } = {},
): Promise<{ rows: Row[]; batches: RecordBatch[]; position: Position }> {
  await source.open()
  try {
    const schema = options.schema ?? (await source.discoverSchema())
    if (schema === undefined) {
      throw new FerrisError('FERRIS_SCHEMA_MISMATCH', 'readAll needs a schema: the source cannot discover one', {
        hint: 'Pass { schema } to readAll',
      })
    }
    const reader = await source.createReader({
      schema,
      batchSize: options.batchSize ?? 1000,
      ...(options.from === undefined ? {} : { from: options.from }),
    })
    const batches: RecordBatch[] = []
    let idle = 0
    try {
      for (;;) {
        const result = await reader.read()
        if (result.kind === 'batch') {
          batches.push(result.batch)
          idle = 0
          continue
        }
        if (result.kind === 'end') return { rows: batches.flatMap((b) => b.rows), batches, position: result.position }
        idle++
        if (idle >= (options.maxIdle ?? 100)) {
          throw new FerrisError('FERRIS_TIMEOUT', `readAll: the source stayed idle ${idle} times; it does not end`, {
            hint: 'readAll is for bounded sources; read an unbounded one with its reader',
          })
        }
      }
    } finally {
      await reader.close()
    }
  } finally {
    await source.close()
  }
}

/** Opens a sink, writes the batches, commits once (checkpoint 1) and closes it. */
export async function writeAll(
  sink: DataSink,
  schema: Schema,
  batches: readonly RecordBatch[],
  options: { jobId?: string; positions?: Readonly<Record<string, Position>> } = {},
): Promise<void> {
  await sink.open()
  try {
    await sink.validateSchema(schema)
    const writer = await sink.createWriter({ schema, jobId: options.jobId ?? 'test-job' })
    try {
      for (const batch of batches) await writer.write(batch)
      await writer.flush()
      await writer.commit({ checkpointId: 1, positions: options.positions ?? {} })
    } finally {
      await writer.close()
    }
  } finally {
    await sink.close()
  }
}
