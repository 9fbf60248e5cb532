// Ferris against Apache Flink SQL: every folder of test/semantics/flink holds one case, its inputs, the query in
// Ferris's dialect (query.sql) and in Flink's (flink.sql), and what Flink answered (expected.csv: the rows its
// changelog leaves; flink-changelog.csv: every row it emitted, with +I/-U/+U/-D), written by
// `tools/flink/check --write` (the Flink version is in flink-version.txt). This test runs each query.sql
// through Ferris and compares. With FERRIS_FLINK=1 it first re-runs Flink (tools/flink/check) and fails when
// Flink's answer no longer matches the committed files.
//
// case.json (optional) says how to compare:
//   ordered:   true when the order of expected.csv is part of the semantics (default: compared as multisets)
//   changelog: true to also compare Ferris's changes, in order, with Flink's +I/+U rows (-U rows dropped)
//   differs:   the reason Ferris intentionally answers otherwise; its own answer is then ferris-expected.csv,
//              and the test also checks that Flink's still differs (so the note cannot go stale silently)
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fileConnector from '@ferris/connector-file/plugin'
import { ChangeKind, ConnectorRegistry, type DataType, type Row, type Schema } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, 'flink')
const repo = join(here, '..', '..', '..', '..')
const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'query.sql')))
  .map((d) => d.name)
  .sort()

interface CaseOptions {
  readonly ordered?: boolean
  readonly changelog?: boolean
  readonly differs?: string
}

const NANOS_PER_MS = 1_000_000n

/** A timestamp (epoch nanoseconds) in Flink's TIMESTAMP(3) text: `1969-12-31 23:59:59.999`. */
function timestampText(nanos: bigint): string {
  const ms = nanos / NANOS_PER_MS
  if (ms * NANOS_PER_MS !== nanos) throw new Error(`timestamp ${nanos} ns has digits below milliseconds`)
  const iso = new Date(Number(ms)).toISOString() // 1969-12-31T23:59:59.999Z

  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

/** One value as the Flink runner prints it (tools/flink/src/FlinkCase.java, `cell`). */
function cell(v: unknown, type: DataType): string {
  if (v === null || v === undefined) return ''
  if (type.kind === 'timestamp') return timestampText(v as bigint)
  if (type.kind === 'string') {
    const s = v as string
    return s === '' || /[,"\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  if (type.kind === 'float64') return Number.isInteger(v) ? (v as number).toFixed(1) : String(v)

  return String(v)
}

/** Splits one CSV line as written above (quoted cells may hold commas). */
function cells(line: string): string[] {
  const out: string[] = []
  let i = 0
  while (i <= line.length) {
    if (line[i] === '"') {
      let j = i + 1
      let text = ''
      for (;;) {
        if (line[j] === '"' && line[j + 1] === '"') {
          text += '"'
          j += 2
        } else if (line[j] === '"') break
        else text += line[j++]
      }
      out.push(`"${text.replaceAll('"', '""')}"`)
      i = j + 2
    } else {
      const end = line.indexOf(',', i)
      out.push(line.slice(i, end < 0 ? line.length : end))
      i = end < 0 ? line.length + 1 : end + 1
    }
  }

  return out
}

/**
 * DOUBLE results agree when they are within 1e-12 of each other relative to their size: Flink computes
 * VAR_POP and its kin from running sums of squares, Ferris with Welford's method, so the last bits differ.
 * Every other type compares as exact text.
 */
function sameCell(got: string, want: string, type: DataType): boolean {
  if (got === want) return true
  if (type.kind !== 'float64' || got === '' || want === '') return false
  const a = Number(got)
  const b = Number(want)

  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b))
}

function sameLines(got: string[], want: string[], types: DataType[], ordered: boolean): boolean {
  if (got.length !== want.length) return false
  const g = ordered ? got : [...got].sort()
  const w = ordered ? want : [...want].sort()

  return g.every((line, i) => {
    const a = cells(line)
    const b = cells(w[i]!)
    return a.length === b.length && a.every((c, k) => sameCell(c, b[k]!, types[k]!))
  })
}

interface FerrisAnswer {
  readonly header: string
  readonly types: DataType[]
  /** The rows an upserting sink keeps: INSERT appends, UPDATE_AFTER replaces the row of its key. */
  readonly final: string[]
  /** Every row emitted, in order. */
  readonly changes: string[]
}

async function runFerris(dir: string): Promise<FerrisAnswer> {
  const sql = readFileSync(join(dir, 'query.sql'), 'utf8')
  const registry = new ConnectorRegistry().register(fileConnector)
  let schema: Schema | undefined
  const changes: string[] = []
  const final = new Map<string, string>()
  let appended = 0
  await runApplication(sql, {
    registry,
    cwd: dir,
    onRows: (_job, batch) => {
      schema = batch.schema
      const types = batch.schema.fields.map((f) => f.type)
      batch.rows.forEach((row: Row, i) => {
        const line = row.map((v, k) => cell(v, types[k]!)).join(',')
        changes.push(line)
        const kind = batch.kinds?.[i] ?? ChangeKind.INSERT
        if (kind === ChangeKind.INSERT) final.set(`#${appended++}`, line)
        else {
          const key = JSON.stringify((batch.keyFields ?? []).map((k) => cell(row[k], types[k]!)))
          if (kind === ChangeKind.DELETE) final.delete(key)
          else final.set(key, line)
        }
      })
    },
  })
  if (schema === undefined) throw new Error(`${dir}/query.sql emitted no batch, so its columns are unknown`)

  return {
    header: schema.fields.map((f) => f.name).join(','),
    types: schema.fields.map((f) => f.type),
    final: [...final.values()],
    changes,
  }
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')

describe.runIf(process.env.FERRIS_FLINK === '1')('Apache Flink still gives the committed answers', () => {
  it('tools/flink/check passes on every case', () => {
    // Slow (a JVM and a mini-cluster per run): opt-in only.
    execFileSync(join(repo, 'tools', 'flink', 'check'), { stdio: ['ignore', 'inherit', 'inherit'] })
  }, 900_000)
})

describe('Ferris gives what Apache Flink SQL gives', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  for (const name of cases) {
    const dir = join(root, name)
    const options: CaseOptions = existsSync(join(dir, 'case.json'))
      ? JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'))
      : {}
    it(name, async () => {
      const answer = await runFerris(dir)
      const [flinkHeader, ...flinkRows] = lines(join(dir, 'expected.csv'))
      expect(answer.header).toBe(flinkHeader)
      const ordered = options.ordered === true
      if (options.differs !== undefined) {
        const [, ...ours] = lines(join(dir, 'ferris-expected.csv'))
        expect(answer.final, 'Ferris against ferris-expected.csv').toSatisfy((got: string[]) =>
          sameLines(got, ours, answer.types, ordered),
        )
        expect(sameLines(ours, flinkRows, answer.types, ordered), `Flink now agrees: ${options.differs}`).toBe(false)
      } else {
        if (!sameLines(answer.final, flinkRows, answer.types, ordered))
          expect(ordered ? answer.final : [...answer.final].sort()).toEqual(ordered ? flinkRows : [...flinkRows].sort())
      }
      if (options.changelog === true) {
        const flinkChanges = lines(join(dir, 'flink-changelog.csv'))
          .slice(1)
          .filter((l) => l.startsWith('+I,') || l.startsWith('+U,'))
          .map((l) => l.slice(3))
        if (!sameLines(answer.changes, flinkChanges, answer.types, true))
          expect(answer.changes, 'Ferris changes against the +I/+U rows of flink-changelog.csv').toEqual(flinkChanges)
      }
    })
  }
})
