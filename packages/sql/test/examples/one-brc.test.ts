import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file'
import { ConnectorRegistry } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'

const EXAMPLE = resolve(import.meta.dirname, '../../../../examples/1brc')

/** The expected result, computed apart from the engine: integers of tenths, BigInt floor division. */
function reference(text: string): Map<string, string> {
  const stats = new Map<string, { min: number; max: number; sum: bigint; n: bigint }>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const at = line.lastIndexOf(';')
    const station = line.slice(0, at)
    const tenths = Number(line.slice(at + 1).replace('.', ''))
    const s = stats.get(station)
    if (s === undefined) stats.set(station, { min: tenths, max: tenths, sum: BigInt(tenths), n: 1n })
    else {
      s.min = Math.min(s.min, tenths)
      s.max = Math.max(s.max, tenths)
      s.sum += BigInt(tenths)
      s.n++
    }
  }
  const floorDiv = (a: bigint, b: bigint) => (a % b < 0n ? a / b - 1n : a / b)
  const show = (t: bigint) => `${t < 0n ? '-' : ''}${(t < 0n ? -t : t) / 10n}.${(t < 0n ? -t : t) % 10n}`
  const out = new Map<string, string>()
  for (const [station, s] of stats) {
    // Java's Math.round(mean * 10): floor(mean * 10 + 1/2), here exactly: floor((2S + N) / 2N).
    const mean = floorDiv(2n * s.sum + s.n, 2n * s.n)
    out.set(station, `${show(BigInt(s.min))},${show(mean)},${show(BigInt(s.max))}`)
  }
  return out
}

function outputText(path: string): string {
  if (statSync(path).isFile()) return readFileSync(path, 'utf8')
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => readFileSync(join(path, f), 'utf8'))
    .join('')
}

describe('examples/1brc', () => {
  it('gives exactly the min, half-up mean and max per station over 100k generated rows', async () => {
    const { generate } = (await import(`${EXAMPLE}/generate.mjs`)) as {
      generate: (rows: number, seed?: number) => Iterable<string>
    }
    const dir = mkdtempSync(join(tmpdir(), 'ferris-1brc-'))
    const input = [...generate(100_000, 7)].join('')
    writeFileSync(join(dir, 'measurements.txt'), input)
    const sql = readFileSync(join(EXAMPLE, 'app.sql'), 'utf8')
    const registry = new ConnectorRegistry().register(filePlugin)
    await runApplication(sql, {
      registry,
      cwd: dir,
      set: { 'measurements.path': './measurements.txt', 'results.path': './results.csv' },
    })
    const lines = outputText(join(dir, 'results.csv')).trim().split('\n')
    expect(lines[0]).toBe('station,min,mean,max')
    const got = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(',')), l.slice(l.indexOf(',') + 1)]))
    const want = reference(input)
    expect(want.size).toBeGreaterThan(90)
    expect(got).toEqual(want)
    expect([...want.values()].some((v) => v.split(',')[1]!.startsWith('-'))).toBe(true)
  }, 60_000)

  it('rounds means that end in exactly 5 hundredths up, toward positive infinity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferris-1brc-'))
    const input = 'Neg;-1.2\nNeg;-1.3\nPos;1.2\nPos;1.3\nZero;-0.1\nZero;-0.0\nOne;-99.9\n'
    writeFileSync(join(dir, 'measurements.txt'), input)
    const sql = readFileSync(join(EXAMPLE, 'app.sql'), 'utf8')
    await runApplication(sql, {
      registry: new ConnectorRegistry().register(filePlugin),
      cwd: dir,
      set: { 'measurements.path': './measurements.txt', 'results.path': './results.csv' },
    })
    expect(outputText(join(dir, 'results.csv')).trim().split('\n').slice(1)).toEqual([
      'Neg,-1.3,-1.2,-1.2',
      'Pos,1.2,1.3,1.3',
      'Zero,-0.1,0.0,0.0',
      'One,-99.9,-99.9,-99.9',
    ])
    expect([...reference(input)].map(([k, v]) => `${k},${v}`)).toEqual([
      'Neg,-1.3,-1.2,-1.2',
      'Pos,1.2,1.3,1.3',
      'Zero,-0.1,0.0,0.0',
      'One,-99.9,-99.9,-99.9',
    ])
  })
})
