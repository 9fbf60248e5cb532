import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FERRIS_BIN, runCli } from './run-cli.js'

const ROWS = 400_000

/** Rows whose id is divisible by 3 pass the filter; ids above 2^53 check that 64-bit values survive. */
async function writeInput(dir: string): Promise<Set<string>> {
  const lines = ['id,amount,label']
  const expected = new Set<string>()
  const base = 9_007_199_254_740_993n // 2^53 + 1: not representable as a double
  for (let i = 0; i < ROWS; i++) {
    const id = base + BigInt(i)
    const amount = `${i}.25`
    lines.push(`${id},${amount},row ${i}`)
    if (i % 3 === 0) expected.add(`${id}|${amount}`)
  }
  await writeFile(join(dir, 'in.csv'), `${lines.join('\n')}\n`)

  return expected
}

const APP = `
CREATE STREAM picked AS
SELECT id, amount FROM input WHERE id % 3 = 9007199254740993 % 3
WITH (
  'input.path' = './in.csv', 'input.type' = 'file_source', 'input.batch_size' = '2000',
  'picked.type' = 'file_sink', 'picked.path' = './out/', 'picked.format' = 'jsonl',
  'job.checkpoint.interval' = '100ms'
);
`

async function readOutput(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const name of (await readdir(join(dir, 'out'))).filter((n) => !n.startsWith('.'))) {
    const text = await readFile(join(dir, 'out', name), 'utf8')
    for (const line of text.split('\n')) {
      if (line === '') continue
      // The id and amount are read from the JSON text itself: JSON.parse would round the 64-bit id.
      const m = /"id":(\d+),"amount":([\d.]+)/.exec(line)
      if (m === null) throw new Error(`unexpected output line ${line}`)
      out.push(`${m[1]}|${m[2]}`)
    }
  }

  return out
}

async function waitForCheckpoint(dir: string, atLeast: number, timeoutMs: number): Promise<void> {
  const file = join(dir, '.ferris', 'checkpoints', 'picked', 'checkpoint.json')
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const text = await readFile(file, 'utf8').catch(() => '')
    if (text !== '' && JSON.parse(text).checkpointId >= atLeast) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no checkpoint ${atLeast} within ${timeoutMs} ms`)
}

describe('cli: a job killed with SIGKILL and run again', () => {
  it('publishes every filtered row exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-kill-'))
    const expected = await writeInput(dir)
    await writeFile(join(dir, 'app.sql'), APP)

    const child = spawn(process.execPath, [FERRIS_BIN, 'run', 'app.sql', '--log-format', 'json'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    const exited = new Promise((r) => child.on('close', r))
    await waitForCheckpoint(dir, 2, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; the first run said: ${stderr}`)
    })
    expect(child.exitCode, `the first run ended by itself before it was killed: ${stderr}`).toBeNull()
    child.kill('SIGKILL')
    await exited
    const partial = await readOutput(dir)
    expect(partial.length).toBeLessThan(expected.size)

    const second = await runCli(['run', 'app.sql', '--log-format', 'json'], { cwd: dir, timeoutMs: 120_000 })
    expect(second.stderr).not.toContain('FERRIS_')
    expect(second.code).toBe(0)

    const rows = await readOutput(dir)
    expect(new Set(rows).size).toBe(rows.length)
    expect(rows.length).toBe(expected.size)
    expect(new Set(rows)).toEqual(expected)
  }, 180_000)
})
