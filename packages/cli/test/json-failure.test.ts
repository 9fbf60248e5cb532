import { describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

describe('cli: failures with --log-format json', () => {
  it('are one parseable JSON log line carrying the code and context, so a log consumer can read every line', async () => {
    const r = await runCli(['run', 'no/such/app.sql', '--log-format', 'json'])
    expect(r.code).toBe(2)
    const lines = r.stderr.trim().split('\n')
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const failure = parsed.find((l) => l.level === 'error')
    expect(failure).toMatchObject({ code: 'FERRIS_NOT_FOUND', subject: 'application file' })
    expect(String(failure?.msg)).toContain('Application file no/such/app.sql does not exist')
  })
})
