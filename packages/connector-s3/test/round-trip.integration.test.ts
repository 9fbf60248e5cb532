import { batchOf } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { EXACT, exactRows, listKeys, readAll, s3Uri, show, sink, source, uniquePrefix, useS3 } from './helpers.js'

const s3 = useS3()

describe('[s3] round trip', () => {
  for (const format of ['parquet', 'jsonl', 'csv', 'json'] as const) {
    it(`writes and reads back ${format} with exact values`, async () => {
      const prefix = uniquePrefix(`rt-${format}`)
      const out = sink(s3Uri(prefix, { format }))
      await out.open()
      const writer = await out.createWriter({ schema: EXACT, jobId: 'job-rt' })
      const rows = exactRows(2500)
      await writer.write(batchOf(EXACT, rows.slice(0, 1000)))
      await writer.write(batchOf(EXACT, rows.slice(1000)))
      expect(await listKeys(s3.client(), prefix)).toEqual([])
      await writer.commit({ checkpointId: 1, positions: {} })
      await writer.close()
      const keys = await listKeys(s3.client(), prefix)
      expect(keys).toEqual([`${prefix}part-job-rt-00000001-0000.${format}`])

      const src = source(s3Uri(prefix, { format }))
      await src.open()
      const reader = await src.createReader({ schema: EXACT, batchSize: 700 })
      const { rows: back } = await readAll(reader)
      await reader.close()
      expect(show(back)).toEqual(show(rows))
    })
  }
})
