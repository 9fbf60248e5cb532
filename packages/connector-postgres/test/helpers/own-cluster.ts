import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const PGBIN = process.env.FERRIS_PG_BIN ?? '/usr/lib/postgresql/15/bin'

/**
 * A throwaway PostgreSQL cluster of one test file, under /tmp, that the test may stop and start at will
 * without touching the shared server of tools/services/postgres. Runs as the `postgres` user when we are root
 * (PostgreSQL refuses to run as root).
 */
export class OwnCluster {
  readonly port: number
  readonly url: string
  readonly #dir: string
  readonly #data: string
  readonly #runAs: string[]

  constructor(port = Number(process.env.FERRIS_PG_OUTAGE_PORT ?? 25434)) {
    if (!existsSync(join(PGBIN, 'initdb'))) {
      throw new Error(
        `no PostgreSQL binaries in ${PGBIN} for a throwaway cluster: install postgresql-15 or set FERRIS_PG_BIN`,
      )
    }
    this.port = port
    this.url = `postgresql://postgres@127.0.0.1:${port}/postgres`
    this.#dir = mkdtempSync('/tmp/ferris-pg-outage-')
    this.#data = join(this.#dir, 'data')
    const root = process.getuid?.() === 0
    this.#runAs = root ? ['runuser', '-u', 'postgres', '--'] : []
    if (root) {
      const ids = execFileSync('id', ['-u', 'postgres']).toString().trim()
      const gid = execFileSync('id', ['-g', 'postgres']).toString().trim()
      chownSync(this.#dir, Number(ids), Number(gid))
    }
    this.#pg('initdb', ['-D', this.#data, '--auth=trust', '-U', 'postgres', '--no-sync'])
  }

  start(): void {
    this.#pg('pg_ctl', [
      '-D',
      this.#data,
      '-l',
      join(this.#dir, 'server.log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${this.port} -c unix_socket_directories=${this.#dir} -c fsync=off`,
      '-w',
      '-t',
      '30',
      'start',
    ])
  }

  /** A fast shutdown, as an operator's `pg_ctl -m fast stop`: sessions are terminated, open transactions lost. */
  stop(): void {
    this.#pg('pg_ctl', ['-D', this.#data, '-m', 'fast', '-w', '-t', '30', 'stop'])
  }

  /** Stops the server if it runs and removes its folder. */
  destroy(): void {
    try {
      this.#pg('pg_ctl', ['-D', this.#data, '-m', 'immediate', '-w', 'stop'])
    } catch {
      // Not running.
    }
    rmSync(this.#dir, { recursive: true, force: true })
  }

  #pg(tool: string, args: string[]): void {
    const command = [...this.#runAs, join(PGBIN, tool), ...args]
    execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
  }
}
