import type { DataReader, Position, RecordBatch } from '@ferris/core'

/** Reads until `end` (bounded) or until `until` says enough (unbounded), collecting batches and the last position. */
export async function drain(
  reader: DataReader,
  until: (batches: RecordBatch[]) => boolean = () => false,
  timeoutMs = 20_000,
): Promise<{ batches: RecordBatch[]; position: Position | undefined }> {
  const batches: RecordBatch[] = []
  let position: Position | undefined
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const r = await reader.read()
    position = r.position
    if (r.kind === 'batch') batches.push(r.batch)
    if (r.kind === 'end' || until(batches)) return { batches, position }
  }
  throw new Error(
    `reader did not finish within ${timeoutMs} ms (${batches.reduce((n, b) => n + b.rows.length, 0)} rows read)`,
  )
}

export function rowCount(batches: readonly RecordBatch[]): number {
  return batches.reduce((n, b) => n + b.rows.length, 0)
}
