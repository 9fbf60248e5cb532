import { describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

describe('cli: connectors, explain and describe', () => {
  it('lists the installed connectors with their schemes and type names', async () => {
    const r = await runCli(['connectors'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('@ferris/connector-file@')
    expect(r.stdout).toMatch(/file:\/\/ {2}\(source \+ sink\) {2}type: file_source, file_sink/)
  })

  it('lists every option with its type and default', async () => {
    const r = await runCli(['connectors', '--options'])
    expect(r.stdout).toMatch(/- format: \(csv\|csv_no_header\|jsonl\|json\|parquet/)
    expect(r.stdout).toContain('- path: (string, required)')
    // Durations and sizes as they are written in an application, not in milliseconds and bytes.
    expect(r.stdout).toMatch(/- reconnect_timeout: \(duration\).*\[default: 5m\]/)
    expect(r.stdout).toMatch(/- max_buffered_bytes: \(size\).*\[default: 1mb\]/)
  })

  it('prints the operator tree of an aggregation', async () => {
    const r = await runCli(['explain', 'examples/weather-summary/app.sql'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Job weather_summary (CREATE TABLE, EMIT FINAL)')
    expect(r.stdout).toMatch(/Aggregate by location, weather: COUNT\(\*\)/)
    expect(r.stdout).toMatch(/Scan weather \[file\] \(location STRING, date DATE/)
  })

  it("describes a CSV file's inferred schema", async () => {
    const r = await runCli(['describe', 'file:./examples/data/weather.csv'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/precipitation\s+DOUBLE/)
    expect(r.stdout).toMatch(/date\s+DATE/)
  })

  it('never prints the password of a connection string it cannot reach', async () => {
    const r = await runCli(['describe', 'postgresql://ferris:s3cr3t-pw@127.0.0.1:1/x?table=t'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('FERRIS_CONNECTION_FAILED')
    expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw')
  })

  it('rejects a malformed connection string with the expected form', async () => {
    const r = await runCli(['describe', 'kafka://h1:99999/topic'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('FERRIS_CONNECTION_STRING_INVALID')
  })
})
