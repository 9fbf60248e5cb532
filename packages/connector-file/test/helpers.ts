import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type BadRecord,
  type ConnectorContext,
  ConnectorRegistry,
  type DataReader,
  noopMetrics,
  type Position,
  type Row,
  type Schema,
  silentLogger,
} from '@ferris/core'
import { afterEach } from 'vitest'
import plugin from '../src/plugin.js'

const dirs: string[] = []

/** A fresh temporary directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferris-file-'))
  dirs.push(dir)

  return dir
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

export interface TestContext extends ConnectorContext {
  readonly bad: BadRecord[]
  readonly controller: AbortController
}

export function testContext(cwd: string, name = 'input', policy: 'skip' | 'fail' = 'skip'): TestContext {
  const bad: BadRecord[] = []
  const controller = new AbortController()

  return {
    name,
    logger: silentLogger,
    metrics: noopMetrics,
    signal: controller.signal,
    cwd,
    bad,
    controller,
    reportBadRecord: (record) => {
      if (policy === 'fail') throw record.error
      bad.push(record)
    },
  }
}

export function registry(): ConnectorRegistry {
  return new ConnectorRegistry().register(plugin)
}

/** Reads until `end` (bounded) or the first `idle` (watch), returning rows and the last position. */
export async function readAll(
  reader: DataReader,
  maxBatches = 10_000,
): Promise<{ rows: Row[]; position: Position; batches: number }> {
  const rows: Row[] = []
  let position: Position = null
  let batches = 0
  for (let i = 0; i < maxBatches; i++) {
    const r = await reader.read()
    position = r.position
    if (r.kind === 'batch') {
      rows.push(...r.batch.rows)
      batches++
    } else break
  }

  return { rows, position, batches }
}

export function names(schema: Schema): string[] {
  return schema.names
}
