import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { batchOf, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import {
  BUCKET,
  EXACT,
  exactRows,
  listKeys,
  readAll,
  recordingLogger,
  s3Uri,
  show,
  sink,
  source,
  testContext,
  uniquePrefix,
  useS3,
} from './helpers.js'

const s3 = useS3()
const run = promisify(execFile)
const SERVICE = resolve(import.meta.dirname, '../../../tools/services/s3')

/** Stops the server, and starts it again after `downMs` in the background; resolves when it is stopped. */
async function bounceServer(downMs: number): Promise<{ restarted: Promise<void> }> {
  await run(`${SERVICE}/stop`, [], { timeout: 90_000 })
  // Wrapped in an object: an async function returning a bare promise would wait for it.
  const restarted = (async () => {
    await new Promise((r) => setTimeout(r, downMs))
    await run(`${SERVICE}/start`, [], { timeout: 300_000 })
  })()

  return { restarted }
}

describe('[s3] server stopped and started mid-job', () => {
  it('a reader in the middle of an object and a writer committing both carry on with nothing lost', async () => {
    const prefix = uniquePrefix('bounce')
    const KV = Schema.of(['id', T.int64], ['name', T.string])
    // Four objects: the gateway finishes a GET in flight before it stops, so the reader meets the outage
    // when it asks for the next object.
    for (let k = 0; k < 4; k++) {
      const lines = Array.from({ length: 100_000 }, (_, i) => `${k * 100_000 + i},${'x'.repeat(30)}`)
      await s3
        .client()
        .send(
          new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}in/${k}.csv`, Body: `id,name\n${lines.join('\n')}\n` }),
        )
    }
    const readWarnings: string[] = []
    const writeWarnings: string[] = []
    const reader = await source(s3Uri(`${prefix}in/`), testContext('in', recordingLogger(readWarnings))).createReader({
      schema: KV,
      batchSize: 1000,
    })
    const first = await reader.read()
    if (first.kind !== 'batch') throw new Error('expected a batch')

    const writer = await sink(
      s3Uri(`${prefix}out/`, { format: 'parquet' }),
      testContext('out', recordingLogger(writeWarnings)),
    ).createWriter({ schema: EXACT, jobId: 'b' })
    await writer.write(batchOf(EXACT, exactRows(1000)))
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.write(batchOf(EXACT, exactRows(1000, 1000)))

    const { restarted } = await bounceServer(1500)
    // The server is down now: both calls wait and retry until it is back.
    const [, rest] = await Promise.all([writer.commit({ checkpointId: 2, positions: {} }), readAll(reader)])
    await restarted

    expect(writeWarnings.join('\n')).toMatch(/cannot reach the server .*retrying/)
    expect(readWarnings.join('\n')).toMatch(/cannot reach the server .*retrying/)
    const ids = [...first.batch.rows, ...rest.rows].map((r) => r[0])
    expect(ids).toHaveLength(400_000)
    expect(ids.every((id, i) => id === BigInt(i))).toBe(true)
    expect(await listKeys(s3.client(), `${prefix}out/`)).toHaveLength(2)
    const back = await readAll(await source(s3Uri(`${prefix}out/`)).createReader({ schema: EXACT, batchSize: 1000 }))
    expect(show(back.rows)).toEqual(show(exactRows(2000)))
  }, 300_000)
})
