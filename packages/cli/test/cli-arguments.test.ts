import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, runCli } from './run-cli.js'

describe('cli: arguments and application files', () => {
  it('prints help with examples and exit codes for run', async () => {
    const r = await runCli(['run', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Examples:')
    expect(r.stdout).toContain('130 interrupted')
  })

  it('rejects an unknown command with usage and exit code 2', async () => {
    const r = await runCli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/)
  })

  it('rejects a malformed --set with what it expected', async () => {
    const r = await runCli(['validate', 'examples/weather/app.sql', '--set', 'nokey'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--set expects key=value, got "nokey"')
  })

  it('says a missing application file does not exist, without a stack trace', async () => {
    const r = await runCli(['run', 'no/such/app.sql', '--log-format', 'text'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('FERRIS_NOT_FOUND: Application file no/such/app.sql does not exist')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('says a directory is not an application file', async () => {
    const r = await runCli(['validate', 'examples'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('examples is a directory, not an application file')
  })

  it('points at the offending token of a malformed application and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-cli-'))
    const file = join(dir, 'app.sql')
    await writeFile(file, "CREATE STREAM s AS\nSELECT location, FROM weather\nWITH ('weather.uri' = 'file:./w.csv');\n")
    const r = await runCli(['validate', file], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('FERRIS_SQL_SYNTAX')
    expect(r.stderr).toContain('line 2, column 18')
    expect(r.stderr).toContain('^')
  })

  it('suggests the column meant when a name is misspelled', async () => {
    const r = await runCli([
      'validate',
      'examples/weather/app.sql',
      '--set',
      'weather.path=./examples/data/weather.csv',
    ])
    expect(r.code).toBe(0)
    const dir = await mkdtemp(join(tmpdir(), 'ferris-cli-'))
    const file = join(dir, 'app.sql')
    await writeFile(file, `SELECT locaton FROM 'file:${REPO_ROOT}examples/data/weather.csv';`)
    const bad = await runCli(['validate', file], { cwd: dir })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('location')
  })

  it('says a source file does not exist when validating, rather than that its schema is unknown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-cli-'))
    const file = join(dir, 'app.sql')
    await writeFile(file, "SELECT * FROM 'file:./nothere.csv';")
    const r = await runCli(['validate', file], { cwd: dir })
    expect(r.stderr).toContain('FERRIS_NOT_FOUND: No file matches ./nothere.csv for source "source_1"')
    // Nothing was started: the application names something that is not there (exit code 2, as for bad SQL).
    expect(r.code).toBe(2)
    expect((await runCli(['run', file], { cwd: dir })).code).toBe(2)
  })

  it('refuses a sink whose format it cannot tell, as running would, before anything runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-cli-'))
    const file = join(dir, 'app.sql')
    await writeFile(
      file,
      `CREATE STREAM o AS SELECT * FROM i WITH ('i.uri' = 'file:${REPO_ROOT}examples/data/weather.csv', 'o.uri' = 'file:./out.xyz');`,
    )
    const r = await runCli(['validate', file], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('FERRIS_CONFIG_INVALID: Cannot tell the format of "./out.xyz"')
    expect(r.stderr).toContain("hint: Set the format option, e.g. 'o.format' = 'csv'")
  })
})
