#!/usr/bin/env node
// CSV → Parquet: Ferris (file connector, whole job runner) beside DuckDB on the same generated CSV, in one run.
// Reports time, rows/s, the time ratio, and each side's peak memory at two input sizes so a reader can see
// whether memory grows with the input. Usage: node benchmarks/csv-to-parquet/run.mjs [--rows 10000000]
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateCsv } from './generate.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const rows = arg('rows', 10_000_000)
const dir = join(here, '..', 'data', 'csv-to-parquet')
mkdirSync(dir, { recursive: true })

function child(script, args) {
  return JSON.parse(
    execFileSync(process.execPath, [join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })
      .trim()
      .split('\n')
      .pop(),
  )
}

async function measure(n) {
  const csv = join(dir, `readings-${n}.csv`)
  if (!existsSync(csv)) {
    process.stderr.write(`generating ${n.toLocaleString('en-US')} rows into ${csv}\n`)
    await generateCsv(csv, n)
  }
  const mb = statSync(csv).size / 1e6
  // A fresh folder per run: the file sink keeps a commit log beside its output, and a job finding one that
  // says the input was consumed resumes after it, writing nothing (exactly-once across runs).
  const ferrisDir = join(dir, `ferris-${n}`)
  rmSync(ferrisDir, { recursive: true, force: true })
  mkdirSync(ferrisDir)
  const ferrisOut = join(ferrisDir, 'readings.parquet')
  const duckOut = join(dir, `duckdb-${n}.parquet`)
  rmSync(duckOut, { force: true })
  const ferris = child('convert-ferris.mjs', [csv, ferrisOut, ferrisDir])
  const duckdb = child('convert-duckdb.mjs', [csv, duckOut, '2'])
  if (ferris.rows !== n || duckdb.rows !== n)
    throw new Error(`row counts differ: ferris ${ferris.rows}, duckdb ${duckdb.rows}, expected ${n}`)

  return { n, mb, ferris, duckdb }
}

const small = await measure(Math.max(1, Math.floor(rows / 10)))
const large = await measure(rows)
const line = (r) =>
  `${r.n.toLocaleString('en-US').padStart(12)} rows (${r.mb.toFixed(0)} MB CSV)  ferris ${(r.ferris.ms / 1000).toFixed(1)} s ` +
  `(${Math.round(r.n / (r.ferris.ms / 1000)).toLocaleString('en-US')} rows/s, cpu ${(r.ferris.cpuMs / 1000).toFixed(1)} s, peak ${r.ferris.maxRssMb.toFixed(0)} MB)  ` +
  `duckdb ${(r.duckdb.ms / 1000).toFixed(1)} s (cpu ${(r.duckdb.cpuMs / 1000).toFixed(1)} s, peak ${r.duckdb.maxRssMb.toFixed(0)} MB)  ` +
  `ratio ${(r.ferris.ms / r.duckdb.ms).toFixed(2)}x (cpu ${(r.ferris.cpuMs / r.duckdb.cpuMs).toFixed(2)}x)`
console.log('csv-to-parquet (zstd), Ferris job runner vs DuckDB COPY (2 threads), same file, same run')
console.log(line(small))
console.log(line(large))
console.log(
  `peak memory growth from ${small.n.toLocaleString('en-US')} to ${large.n.toLocaleString('en-US')} rows: ferris ${(large.ferris.maxRssMb - small.ferris.maxRssMb).toFixed(0)} MB`,
)
