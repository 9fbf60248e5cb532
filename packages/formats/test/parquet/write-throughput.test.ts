import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { createParquetWriter, readParquet } from '../../src/parquet/index.js'
import { fileInput, fileOutput } from './io-helpers.js'

/**
 * A measurement, not a gate: run with `FERRIS_BENCH=1 npx vitest run test/parquet/write-throughput.test.ts`.
 * Writes 1M rows of (BIGINT, DOUBLE, STRING, TIMESTAMP, nullable INT) and has DuckDB write the same rows.
 */
describe.runIf(process.env.FERRIS_BENCH === '1')('parquet: write throughput', () => {
  it('writes 1M rows and reports the time beside DuckDB', { timeout: 300_000 }, async () => {
    const n = Number(process.env.FERRIS_BENCH_ROWS ?? 1_000_000)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-parquet-bench-'))
    try {
      const schema = Schema.of(
        ['id', T.int64],
        ['price', T.float64],
        ['name', T.string],
        ['at', T.timestamp('us', 'UTC')],
        ['qty', T.int32],
      )
      const batches: Row[][] = []
      for (let start = 0; start < n; start += 10_000) {
        const rows: Row[] = []
        for (let i = start; i < Math.min(n, start + 10_000); i++) {
          rows.push([
            BigInt(i),
            i * 0.25,
            `name-${i % 1000}`,
            1_600_000_000_000_000_000n + BigInt(i) * 1_000_000n,
            i % 7 === 0 ? null : i,
          ])
        }
        batches.push(rows)
      }
      const path = join(dir, 'ferris.parquet')
      const timings: Record<string, number[]> = { worker: [], inline: [] }
      const cpu: Record<string, number[]> = { worker: [], inline: [] }
      let summary = { rows: 0, rowGroups: 0, bytes: 0 }
      for (let round = 0; round < 5; round++) {
        for (const mode of ['worker', 'inline'] as const) {
          const out = await fileOutput(path)
          const t0 = performance.now()
          const c0 = process.cpuUsage()
          const writer = await createParquetWriter(schema, out, { compression: 'zstd', worker: mode === 'worker' })
          for (const rows of batches) await writer.write(rows)
          summary = await writer.finish()
          await out.close()
          timings[mode]!.push(performance.now() - t0)
          const c1 = process.cpuUsage(c0)
          cpu[mode]!.push((c1.user + c1.system) / 1000)
        }
      }
      const best = (xs: number[]) => Math.min(...xs).toFixed(0)

      const input = fileInput(path)
      const readTimes: number[] = []
      for (let round = 0; round < 3; round++) {
        const t2 = performance.now()
        let count = 0
        for await (const b of readParquet(input, { batchSize: 10_000 })) count += b.rows.length
        readTimes.push(performance.now() - t2)
        expect(count).toBe(n)
      }
      await input.close()

      const db = await DuckDBInstance.create(':memory:')
      const c = await db.connect()
      const check = await c.runAndReadAll(`SELECT count(*), sum(id), count(qty) FROM '${path}'`)
      expect(check.getRows()[0]).toEqual([BigInt(n), (BigInt(n) * BigInt(n - 1)) / 2n, BigInt(n - Math.ceil(n / 7))])
      await c.run(
        `CREATE TABLE t AS SELECT i::BIGINT AS id, i * 0.25 AS price, 'name-' || (i % 1000) AS name, ` +
          `make_timestamptz(1600000000000000 + i) AS at, CASE WHEN i % 7 = 0 THEN NULL ELSE i::INT END AS qty FROM range(${n}) r(i)`,
      )
      const duckTimes: number[] = []
      for (let round = 0; round < 3; round++) {
        const t1 = performance.now()
        await c.run(`COPY t TO '${join(dir, 'duckdb.parquet')}' (FORMAT parquet, COMPRESSION zstd)`)
        duckTimes.push(performance.now() - t1)
      }
      c.closeSync()
      console.log(
        `parquet write of ${n} rows, best of 5: ferris ${best(timings.worker!)} ms with the worker ` +
          `(cpu ${best(cpu.worker!)} ms, all threads), ${best(timings.inline!)} ms inline (cpu ${best(cpu.inline!)} ms) (${summary.rowGroups} row groups, ${summary.bytes} bytes, ` +
          `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB); duckdb ${best(duckTimes)} ms; ` +
          `reading it back into rows: ${best(readTimes)} ms`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('keeps peak memory flat as the row count grows', { timeout: 600_000 }, async () => {
    const n = Number(process.env.FERRIS_BENCH_BIG_ROWS ?? 5_000_000)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-parquet-bench-'))
    try {
      const schema = Schema.of(
        ['id', T.int64],
        ['price', T.float64],
        ['name', T.string],
        ['at', T.timestamp('us', 'UTC')],
        ['qty', T.int32],
      )
      const out = await fileOutput(join(dir, 'big.parquet'))
      const writer = await createParquetWriter(schema, out)
      const peaks: string[] = []
      const t0 = performance.now()
      for (let start = 0; start < n; start += 10_000) {
        const rows: Row[] = []
        for (let i = start; i < Math.min(n, start + 10_000); i++) {
          rows.push([
            BigInt(i),
            i * 0.25,
            `name-${i % 1000}`,
            1_600_000_000_000_000_000n + BigInt(i) * 1_000_000n,
            i % 7 === 0 ? null : i,
          ])
        }
        await writer.write(rows)
        if ((start + 10_000) % 1_000_000 === 0) {
          peaks.push(
            `${(start + 10_000) / 1e6}M rows: peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
          )
        }
      }
      const summary = await writer.finish()
      await out.close()
      console.log(
        `streamed ${n} rows (generating them included) in ${(performance.now() - t0).toFixed(0)} ms, ${summary.bytes} bytes; ${peaks.join('; ')}`,
      )
      expect(summary.rows).toBe(n)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
