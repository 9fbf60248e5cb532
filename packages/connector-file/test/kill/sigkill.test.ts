import { type ChildProcess, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { readAll, registry, tempDir, testContext } from '../helpers.js'

const ROWS = 1000
const SCRIPT = new URL('./run-job.mjs', import.meta.url).pathname

function start(dir: string, sinkPath: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [SCRIPT, dir, sinkPath, '9', '1'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => {
    stderr += String(d)
  })
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr)
      resolve(code)
    }),
  )

  return { child, exited }
}

async function checkpointId(dir: string): Promise<number> {
  return readFile(join(dir, 'checkpoint.json'), 'utf8').then(
    (t) => (JSON.parse(t) as { checkpointId: number }).checkpointId,
    () => 0,
  )
}

/** Starts the job, kills it with SIGKILL a few checkpoints into the run, and repeats; then lets it finish. */
async function runWithKills(dir: string, sinkPath: string, kills: number, check: () => Promise<void>): Promise<void> {
  for (let k = 0; k < kills; k++) {
    const before = await checkpointId(dir)
    const { child, exited } = start(dir, sinkPath)
    const deadline = Date.now() + 30_000
    while ((await checkpointId(dir)) < before + 3 + k * 5 && Date.now() < deadline) await sleep(5)
    await sleep(Math.random() * 20)
    child.kill('SIGKILL')
    // Null: it died of the signal, mid-run, rather than finishing first.
    expect(await exited).toBeNull()
    await check()
  }
  const { exited } = start(dir, sinkPath)
  expect(await exited).toBe(0)
}

const expected = Array.from({ length: ROWS }, (_, i) => `${i + 1},"text ${i + 1}, with a comma"`)

describe('[file] SIGKILL and restart', () => {
  it('leaves a complete prefix in the published file after every kill, and every row exactly once at the end', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), `id,text\n${expected.join('\n')}\n`)
    const published = async () => (await readFile(join(dir, 'out.csv'), 'utf8').catch(() => 'id,text\n')).split('\n')
    await runWithKills(dir, 'out.csv', 3, async () => {
      const lines = await published()
      expect(lines[0]).toBe('id,text')
      expect(lines.at(-1)).toBe('')
      expect(lines.slice(1, -1)).toEqual(expected.slice(0, lines.length - 2))
    })
    expect((await published()).slice(1, -1)).toEqual(expected)
  }, 120_000)

  it('publishes part files into a directory so that reading it back gives every row exactly once', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), `id,text\n${expected.join('\n')}\n`)
    await runWithKills(dir, 'out/', 2, async () => {})
    const schema = Schema.of(['id', T.int64], ['text', T.string])
    const source = registry().createSource(
      { name: 'back', role: 'source', properties: { type: 'file_source', path: 'out', format: 'csv' } },
      testContext(dir),
    )
    const { rows } = await readAll(await source.createReader({ schema, batchSize: 1000 }))
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1))
  }, 120_000)
})
