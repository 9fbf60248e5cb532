import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type ExactJson, parseExactJson } from '@ferris/core'
import type { ClickhouseConnection, Settings } from '../../src/client/connection.js'
import { quoteString } from '../../src/sql/quote.js'
import { REPO } from './server.js'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * The venv's python: FERRIS_CHDB_PYTHON, or the venv tools/services/clickhouse/chdb-venv makes, created when
 * absent (about 90 s and 912 MB the first time, about 1 s after).
 */
export async function chdbPython(): Promise<string> {
  if (process.env.FERRIS_CHDB_PYTHON !== undefined) return process.env.FERRIS_CHDB_PYTHON
  const home = process.env.FERRIS_SERVICES_HOME ?? join(homedir(), '.cache/ferris-services')
  const python = join(home, 'clickhouse/chdb-venv/bin/python')
  if (existsSync(python)) return python
  try {
    const { stdout } = await promisify(execFile)(resolve(REPO, 'tools/services/clickhouse/chdb-venv'), {
      maxBuffer: 1 << 24,
    })

    return stdout.trim().split('\n').pop()!
  } catch (error) {
    throw new Error(`Cannot create the chdb venv with tools/services/clickhouse/chdb-venv: ${(error as Error).message}`)
  }
}

/**
 * The connector's ClickhouseConnection served by chdb in a child process instead of an HTTP server. chdb has
 * no HTTP interface, so settings travel in a SETTINGS clause; everything else (SQL, JSONEachRow bodies,
 * result lines, error texts) is what the HTTP path sends and receives.
 */
export class ChdbConnection implements ClickhouseConnection {
  readonly #child: ChildProcessWithoutNullStreams
  readonly #folder: string
  readonly #waiting: Array<(line: string) => void> = []
  readonly #ready: Promise<void>

  constructor(python: string) {
    this.#folder = mkdtempSync(join(tmpdir(), 'ferris-chdb-'))
    this.#child = spawn(python, [join(here, 'chdb-server.py'), this.#folder], { stdio: 'pipe' })
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#waiting.shift()?.(line))
    this.#ready = new Promise((resolveReady, reject) => {
      this.#waiting.push(() => resolveReady())
      this.#child.once('exit', (code) => reject(new Error(`chdb exited with ${code}`)))
    })
  }

  async #query(sql: string, format = 'TSV'): Promise<string> {
    await this.#ready
    const line = await new Promise<string>((resolveLine) => {
      this.#waiting.push(resolveLine)
      this.#child.stdin.write(`${JSON.stringify({ sql, format })}\n`)
    })
    const reply = JSON.parse(line) as { ok: boolean; data?: string; error?: string }
    if (!reply.ok) throw new Error(reply.error)

    return reply.data ?? ''
  }

  async command(sql: string, settings: Settings = {}): Promise<void> {
    await this.#query(sql + settingsClause(settings))
  }

  async rows(sql: string, settings: Settings = {}): Promise<Array<Record<string, ExactJson>>> {
    return lines(await this.#query(sql + settingsClause(settings), 'JSONEachRow')).map(
      (l) => parseExactJson(l) as Record<string, ExactJson>,
    )
  }

  async insert(sql: string, body: string, settings: Settings): Promise<void> {
    const withSettings = sql.replace(/ FORMAT JSONEachRow$/, `${settingsClause(settings)} FORMAT JSONEachRow`)
    await this.#query(`${withSettings}\n${body}`)
  }

  async *stream(sql: string, settings: Settings): AsyncIterable<readonly string[]> {
    const all = lines(await this.#query(sql + settingsClause(settings), 'JSONEachRow'))
    for (let i = 0; i < all.length; i += 1000) yield all.slice(i, i + 1000)
  }

  async version(): Promise<string> {
    return (await this.#query('SELECT version()')).trim()
  }

  async close(): Promise<void> {
    this.#child.stdin.end()
    await new Promise((r) => this.#child.once('exit', r))
    rmSync(this.#folder, { recursive: true, force: true })
  }
}

function settingsClause(settings: Settings): string {
  const entries = Object.entries(settings)
  if (entries.length === 0) return ''

  return ` SETTINGS ${entries.map(([k, v]) => `${k} = ${typeof v === 'number' ? v : quoteString(v)}`).join(', ')}`
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '')
}
