#!/usr/bin/env node
// The One Billion Row Challenge query (examples/1brc/app.sql: MIN, half-up-rounded mean and MAX temperature per
// weather station) over one generated `station;temperature` file: Ferris (the whole job runner with the file
// connector, CSV in, CSV out) and DuckDB (read_csv, the same exact rounding), each in its own process, one
// after the other in the same run. The two result files must match exactly, line for line, or it exits 1.
//
//   npx nx run-many -t build --projects=core,recovery,formats,connector-file,sql
//   node benchmarks/1brc/run.mjs [--rows 100000000] [--file PATH] [--duckdb-threads 2] [--runs 1]
//
// The input is generated (examples/1brc/generate.mjs, seed 42) once into --file, by default
// ${FERRIS_SERVICES_HOME:-~/.cache/ferris-services}/1brc/measurements-<rows>.txt: 100 million rows are about
// 1.3 GB, which stays out of the repository.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { homedir, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const rows = Number(arg('rows', '100000000'))
const runs = Number(arg('runs', '1'))
const duckThreads = arg('duckdb-threads', '2')
const cache = join(process.env.FERRIS_SERVICES_HOME ?? join(homedir(), '.cache', 'ferris-services'), '1brc')
const file = arg('file', join(cache, `measurements-${rows}.txt`))

if (!existsSync(file)) {
  mkdirSync(dirname(file), { recursive: true })
  process.stderr.write(`generating ${rows.toLocaleString('en-US')} rows into ${file}\n`)
  await new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [join(here, '../../examples/1brc/generate.mjs'), '--rows', String(rows), '--out', `${file}.tmp`],
      { stdio: 'inherit' },
    )
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generate.mjs exited with ${code}`))))
  })
  renameSync(`${file}.tmp`, file)
}
const gb = statSync(file).size / 1e9

function child(script, args) {
  const out = execFileSync(process.execPath, [join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })
  return JSON.parse(out.trim().split('\n').pop())
}

/** The result lines of a CSV file or of the part files of a folder, header first. */
function resultLines(path) {
  const text = statSync(path).isFile()
    ? readFileSync(path, 'utf8')
    : readdirSync(path, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.csv'))
        .sort()
        .map((f) => readFileSync(join(path, f), 'utf8'))
        .join('')
  const lines = text.split('\n').filter((l) => l !== '')
  return [lines[0], ...lines.slice(1).sort()]
}

const results = []
for (let r = 0; r < runs; r++) {
  const work = mkdtempSync(join(tmpdir(), 'ferris-1brc-bench-'))
  const load0 = loadavg()[0]
  const ferris = child('ferris.mjs', [file, work])
  const duckOut = join(work, 'duckdb.csv')
  const duckdb = child('duckdb.mjs', [file, duckOut, duckThreads])
  const load1 = loadavg()[0]
  const a = resultLines(ferris.output)
  const b = resultLines(duckOut)
  if (ferris.read !== rows) throw new Error(`Ferris read ${ferris.read} rows, the file has ${rows}`)
  if (a.length !== b.length || a.some((l, i) => l !== b[i])) {
    const i = a.findIndex((l, k) => l !== b[k])
    console.error(`results differ at line ${i + 1}: ferris "${a[i]}", duckdb "${b[i]}" (files in ${work})`)
    process.exit(1)
  }
  results.push({ ferris, duckdb, stations: a.length - 1, load: [load0, load1] })
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`
const perCore = (n, cpuMs) => `${(n / (cpuMs / 1000) / 1e6).toFixed(2)} M`
console.log(
  `1brc: ${rows.toLocaleString('en-US')} rows (${gb.toFixed(2)} GB), ${results[0].stations} stations, results identical in every run`,
)
console.log('run | engine | wall | cpu | records/s | records/s/core (cpu) | peak RSS | load avg (start-end)')
results.forEach((x, i) => {
  for (const [name, m] of [
    ['ferris', x.ferris],
    [`duckdb ${duckThreads} threads`, x.duckdb],
  ])
    console.log(
      `${i + 1} | ${name} | ${s(m.ms)} | ${s(m.cpuMs)} | ${(rows / (m.ms / 1000) / 1e6).toFixed(2)} M | ${perCore(rows, m.cpuMs)} | ${m.maxRssMb.toFixed(0)} MB | ${x.load[0].toFixed(1)}-${x.load[1].toFixed(1)}`,
    )
  console.log(
    `${i + 1} | ratio ferris/duckdb | ${(x.ferris.ms / x.duckdb.ms).toFixed(1)}x wall | ${(x.ferris.cpuMs / x.duckdb.cpuMs).toFixed(1)}x cpu`,
  )
})
