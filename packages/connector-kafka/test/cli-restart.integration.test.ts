import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { batchToObjects, Schema, T } from '@ferris/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOOTSTRAP, createTopic, kafka, readRows, requireBroker, source, uniqueGroup } from './helpers/broker.js'

/*
 * `ferris run` killed with SIGKILL mid-stream, several times, then left to finish. A killed job's consumer
 * stays a member of its group until its session times out; the next run's join waits for that. With the
 * default session_timeout (30 s) every restart waited half a minute, which is what made this test take
 * minutes. The job here sets session_timeout to 6 s, the broker's smallest (group.min.session.timeout.ms).
 */

const root = resolve(import.meta.dirname, '../../..')
const CLI = join(root, 'packages/cli/dist/bin/ferris.js')
const PLUGIN = join(root, 'packages/connector-kafka/dist/plugin.js')

beforeAll(async () => {
  await requireBroker()
  if (!existsSync(CLI) || !existsSync(PLUGIN)) {
    throw new Error('The ferris CLI and the Kafka plugin run from dist: build first with npx nx run-many -t build')
  }
})

const N = 30_000
const KILLS = 3
/** Output messages a run writes before it is killed. */
const STEP = 3000

async function fillInput(topic: string): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  for (let i = 0; i < N; i += 5000) {
    await producer.send({
      topic,
      messages: Array.from({ length: 5000 }, (_, j) => ({
        key: `k${i + j}`,
        value: JSON.stringify({ id: i + j, amount: (i + j) % 100 }),
      })),
    })
  }
  await producer.disconnect()
}

interface Run {
  readonly child: ChildProcess
  stderr: string
}

function startJob(cwd: string): Run {
  const child = spawn(process.execPath, [CLI, '--log-format', 'json', 'run', 'app.sql'], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const run: Run = { child, stderr: '' }
  child.stderr?.on('data', (d) => {
    run.stderr += String(d)
  })

  return run
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()))
}

const admin = kafka.admin()
afterAll(() => admin.disconnect())

/** Messages in the output topic, aborted ones and transaction markers included. */
async function outputEnd(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0)
}

/** Input messages the job's group has committed as done. */
async function committedInput(group: string, topic: string): Promise<number> {
  const [found] = await admin.fetchOffsets({ groupId: group, topics: [topic] })

  return (found?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
}

async function waitFor(what: string, run: Run, test: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await test())) {
    if (run.child.exitCode !== null) throw new Error(`${what}: the job exited (${run.child.exitCode}): ${run.stderr}`)
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${run.stderr.slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Every id in the output topic as a read_committed consumer sees it, with repeats. */
async function outputIds(topic: string): Promise<number[]> {
  const { source: src } = source('check', `kafka://${BOOTSTRAP}/${topic}?bounded=true&group_id=${uniqueGroup('chk')}`)
  const reader = await src.createReader({ schema: Schema.of(['id', T.int64]), batchSize: 5000 })
  const got = await readRows(reader, Number.MAX_SAFE_INTEGER, 30_000)
  await reader.close()
  await src.close()
  expect(got.ended, 'the check read the output topic to its end').toBe(true)
  return got.batches.flatMap(batchToObjects).map((o) => Number(o.id))
}

async function killMidStreamAndRestart(exactlyOnce: boolean): Promise<{ ids: number[]; kills: number[]; log: string }> {
  await admin.connect()
  const input = await createTopic('kill-in', 3)
  const output = await createTopic('kill-out', 3)
  await fillInput(input)
  const cwd = mkdtempSync(join(tmpdir(), 'ferris-kill-'))
  const group = uniqueGroup('kill')
  // Exactly-once names no source group or source: the sink learns them from the job (WriterOptions.sources).
  writeFileSync(
    join(cwd, 'app.sql'),
    `CREATE STREAM copied AS SELECT id, amount FROM orders WHERE amount >= 0
     WITH ('orders.uri' = 'kafka://${BOOTSTRAP}/${input}?group_id=${group}&session_timeout=6s&heartbeat_interval=1s',
           'copied.uri' = 'kafka://${BOOTSTRAP}/${output}${exactlyOnce ? '?exactly_once=true' : ''}',
           'job.batch_size' = '100', 'job.checkpoint.interval' = '100ms');\n`,
  )
  const kills: number[] = []
  let run = startJob(cwd)
  for (let k = 0; k < KILLS; k++) {
    const before = await outputEnd(output)
    await waitFor(`run ${k + 1} to write output`, run, async () => (await outputEnd(output)) >= before + STEP, 30_000)
    // SIGKILL: no flush, no commit, no goodbye.
    run.child.kill('SIGKILL')
    await exited(run.child)
    const done = await committedInput(group, input)
    expect(done, `run ${k + 1} had finished before it was killed`).toBeLessThan(N)
    kills.push(done)
    run = startJob(cwd)
  }
  const last = run
  await waitFor(
    'the last run to commit every input record',
    last,
    async () => (await committedInput(group, input)) >= N,
    30_000,
  )
  last.child.kill('SIGTERM')
  await exited(last.child)
  expect(last.child.exitCode ?? last.child.signalCode, last.stderr).not.toBe(1)

  return { ids: await outputIds(output), kills, log: last.stderr }
}

describe('[kafka] ferris run killed with SIGKILL and restarted', () => {
  it('loses nothing (at-least-once)', async () => {
    const { ids, kills } = await killMidStreamAndRestart(false)
    expect(kills).toHaveLength(KILLS)
    expect(new Set(ids).size).toBe(N)
    expect(ids.length).toBeGreaterThanOrEqual(N)
  }, 90_000)

  it('loses and duplicates nothing with exactly_once', async () => {
    const { ids, kills, log } = await killMidStreamAndRestart(true)
    expect(kills).toHaveLength(KILLS)
    expect(new Set(ids).size).toBe(N)
    expect(ids.length).toBe(N)
    expect(log).toContain('exactly-once commits source offsets in its transactions')
  }, 90_000)
})
