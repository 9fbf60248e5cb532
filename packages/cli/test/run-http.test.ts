import { spawn } from 'node:child_process'
import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FERRIS_BIN, runCli } from './run-cli.js'

const APP = `
CREATE STREAM picked AS SELECT id, amount FROM input WHERE id % 2 = 1
WITH (
  'input.path' = './in.csv', 'input.type' = 'file_source', 'input.watch' = 'true', 'input.poll_interval' = '20ms',
  'picked.type' = 'file_sink', 'picked.path' = './out/', 'picked.format' = 'jsonl',
  'job.checkpoint.interval' = '100ms', 'job.bad_records' = 'skip'
);
`

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** The value of the sample `name{...labels}` in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const parts = line.slice(name.length + 1, line.indexOf('}')).split(',')
    if (want.every((w) => parts.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }

  return undefined
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last === undefined ? '' : `: ${String(last)}`}`)
}

async function readOutput(dir: string): Promise<number[]> {
  const ids: number[] = []
  for (const name of (await readdir(join(dir, 'out'))).filter((n) => !n.startsWith('.'))) {
    for (const line of (await readFile(join(dir, 'out', name), 'utf8')).split('\n')) {
      if (line !== '') ids.push(JSON.parse(line).id)
    }
  }

  return ids.sort((a, b) => a - b)
}

const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${from + i},${from + i}.5\n`).join('')

describe('cli: ferris run --http', () => {
  it('serves /metrics and /health of a running job that match what it did, and stops on SIGINT with 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-http-'))
    await writeFile(join(dir, 'in.csv'), `id,amount\n${rows(0, 100)}`)
    await writeFile(join(dir, 'app.sql'), APP)
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`

    const child = spawn(
      process.execPath,
      [FERRIS_BIN, 'run', 'app.sql', '--http', `127.0.0.1:${port}`, '--log-format', 'json'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
    try {
      const metricsWhen = (out: number) =>
        until(`${out} records out (stderr: ${stderr})`, async () => {
          const text = await (await fetch(`${base}/metrics`)).text()
          return sample(text, 'ferris_records_out_total', { job: 'app', sink: 'picked' }) === out ? text : undefined
        })

      let text = await metricsWhen(50)
      expect(sample(text, 'ferris_records_in_total', { job: 'app', source: 'input' })).toBe(100)
      expect(sample(text, 'ferris_breaker_state', { job: 'app', endpoint: 'picked' })).toBe(0)
      expect(text).toMatch(/^# TYPE ferris_checkpoint_duration_seconds histogram$/m)

      expect(sample(text, 'ferris_bad_records_total', { job: 'app' })).toBeUndefined()

      // The source follows the file: appended rows are read and counted while the job stays up, and a
      // record that is not a number is skipped and counted.
      await appendFile(join(dir, 'in.csv'), `${rows(100, 130)}not-a-number,1.5\n${rows(130, 160)}`)
      text = await metricsWhen(80)
      expect(sample(text, 'ferris_records_in_total', { job: 'app', source: 'input' })).toBe(160)
      expect(sample(text, 'ferris_bad_records_total', { job: 'app', origin: 'input', action: 'skipped' })).toBe(1)

      const health = await fetch(`${base}/health`)
      expect(health.status).toBe(200)
      const snapshot = (await health.json()) as { status: string; components: Array<Record<string, string>> }
      expect(snapshot.status).toBe('healthy')
      expect(snapshot.components.map((c) => [c.name, c.kind, c.status]).sort()).toEqual([
        ['input', 'source', 'healthy'],
        ['job:picked', 'job', 'healthy'],
        ['picked', 'sink', 'healthy'],
      ])
      expect((await fetch(`${base}/nothing`)).status).toBe(404)
      expect(child.exitCode, stderr).toBeNull()
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited, stderr).toBe(130)
    expect(stderr).toMatch(/stopped after committing its output/)
    // Every row read was written and committed before the exit, and the server is gone.
    expect(await readOutput(dir)).toEqual(Array.from({ length: 80 }, (_, i) => 2 * i + 1))
    await expect(fetch(`${base}/health`)).rejects.toThrow()
  }, 90_000)

  it('is in the help of ferris run, with an example', async () => {
    const r = await runCli(['run', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/--http <host:port> +serve \/health \(JSON\) and \/metrics/)
    expect(r.stdout).toContain('ferris run app.sql --http 127.0.0.1:9464')
  })

  it('refuses an address that is not host:port, before running anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-http-'))
    await writeFile(join(dir, 'in.csv'), `id,amount\n${rows(0, 3)}`)
    await writeFile(join(dir, 'app.sql'), APP)
    for (const bad of ['9464', '127.0.0.1:70000', 'localhost:', 'http://127.0.0.1:9464']) {
      const r = await runCli(['run', 'app.sql', '--http', bad], { cwd: dir })
      expect(r.code, `${bad}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toContain(`FERRIS_CONFIG_INVALID: --http expects host:port, got "${bad}"`)
      expect(r.stderr).toContain('hint: ')
    }
    await expect(readdir(join(dir, 'out'))).rejects.toThrow()
  }, 60_000)

  it('says which address is taken when the port is in use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-http-'))
    await writeFile(join(dir, 'in.csv'), `id,amount\n${rows(0, 3)}`)
    await writeFile(join(dir, 'app.sql'), APP)
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    const address = blocker.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      const r = await runCli(['run', 'app.sql', '--http', `127.0.0.1:${port}`], { cwd: dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`Cannot serve health and metrics on 127.0.0.1:${port}`)
      expect(r.stderr).toMatch(/Another process uses that port/)
    } finally {
      await new Promise((r) => blocker.close(r))
    }
  }, 60_000)
})
