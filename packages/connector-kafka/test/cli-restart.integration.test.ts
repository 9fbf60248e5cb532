import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { batchToObjects, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { BOOTSTRAP, createTopic, kafka, readRows, requireBroker, source, uniqueGroup } from './helpers/broker.js'

const root = resolve(import.meta.dirname, '../../..')
const CLI = join(root, 'packages/cli/dist/bin/ferris.js')
const PLUGIN = join(root, 'packages/connector-kafka/dist/plugin.js')

beforeAll(async () => {
  await requireBroker()
  if (!existsSync(CLI) || !existsSync(PLUGIN)) {
    throw new Error('The ferris CLI and the Kafka plugin run from dist: build first with npx nx run-many -t build')
  }
})

const N = 40_000

async function fillInput(topic: string): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  for (let i = 0; i < N; i += 2000) {
    await producer.send({
      topic,
      messages: Array.from({ length: 2000 }, (_, j) => ({
        key: `k${i + j}`,
        value: JSON.stringify({ id: i + j, amount: (i + j) % 100 }),
      })),
    })
  }
  await producer.disconnect()
}

function startJob(cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'run', 'app.sql'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()))
}

async function outputCount(topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  return offsets.reduce((n, o) => n + Number(o.high), 0)
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Every id in the output topic (read_committed), with repeats. */
async function outputIds(topic: string): Promise<number[]> {
  const { source: src } = source('check', `kafka://${BOOTSTRAP}/${topic}?bounded=true&group_id=${uniqueGroup('chk')}`)
  const reader = await src.createReader({ schema: Schema.of(['id', T.int64]), batchSize: 5000 })
  const got = await readRows(reader, Number.MAX_SAFE_INTEGER, 60_000)
  await reader.close()
  await src.close()
  return got.batches.flatMap(batchToObjects).map((o) => Number(o.id))
}

async function killMidStreamAndRestart(exactlyOnce: boolean): Promise<{ ids: number[]; atKill: number }> {
  const input = await createTopic('kill-in', 3)
  const output = await createTopic('kill-out', 3)
  await fillInput(input)
  const cwd = mkdtempSync(join(tmpdir(), 'ferris-kill-'))
  const group = uniqueGroup('kill')
  const sinkParams = exactlyOnce ? `?exactly_once=true&offsets_group_id=${group}&offsets_source=orders` : ''
  writeFileSync(
    join(cwd, 'app.sql'),
    `CREATE STREAM copied AS SELECT id, amount FROM orders WHERE amount >= 0
     WITH ('orders.uri' = 'kafka://${BOOTSTRAP}/${input}?group_id=${group}',
           'copied.uri' = 'kafka://${BOOTSTRAP}/${output}${sinkParams}',
           'job.batch_size' = '100', 'job.checkpoint.interval' = '100ms');\n`,
  )
  const first = startJob(cwd)
  let stderr = ''
  first.stderr?.on('data', (d) => {
    stderr += String(d)
  })
  // SIGKILL once output is flowing: no flush, no commit, no goodbye.
  await waitFor(
    'the first run to write output',
    async () => (await outputCount(output)) >= 2000 || first.exitCode !== null,
    60_000,
  )
  expect(first.exitCode, `the first run exited on its own: ${stderr}`).toBeNull()
  first.kill('SIGKILL')
  await exited(first)
  const atKill = await outputCount(output)
  expect(atKill, `the job ended before it was killed: ${stderr}`).toBeLessThan(N)

  const second = startJob(cwd)
  second.stderr?.on('data', (d) => {
    stderr += String(d)
  })
  await waitFor(
    'every record in the output',
    async () =>
      second.exitCode !== null || ((await outputCount(output)) >= N && new Set(await outputIds(output)).size >= N),
    240_000,
  )
  expect(second.exitCode, `the second run exited on its own: ${stderr}`).toBeNull()
  second.kill('SIGTERM')
  await exited(second)

  return { ids: await outputIds(output), atKill }
}

// Limitation: on the broker here both cases ran past 400 s in the last full run (an earlier run with polling
// logs reached every record in about 40 s), so they are opt-in until the slow step is found:
// FERRIS_KAFKA_CLI_RESTART=1 FERRIS_INTEGRATION=1 npx vitest run test/cli-restart.integration.test.ts
describe.skipIf(process.env.FERRIS_KAFKA_CLI_RESTART !== '1')(
  '[kafka] ferris run killed with SIGKILL and restarted',
  () => {
    it('loses nothing (at-least-once)', async () => {
      const { ids } = await killMidStreamAndRestart(false)
      expect(new Set(ids).size).toBe(N)
      expect(ids.length).toBeGreaterThanOrEqual(N)
    }, 400_000)

    it('loses and duplicates nothing with exactly_once', async () => {
      const { ids } = await killMidStreamAndRestart(true)
      expect(new Set(ids).size).toBe(N)
      expect(ids.length).toBe(N)
    }, 400_000)
  },
)
