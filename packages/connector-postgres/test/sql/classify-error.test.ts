import { Schema, T } from '@ferris/core'
import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { PostgresOptions } from '../../src/options.js'
import { PostgresWriter } from '../../src/sink/postgres-writer.js'
import { classifyError, classifySqlState } from '../../src/sql/classify-error.js'
import { optionsFor, testContext } from '../helpers/pg-server.js'

/** A `pg` error as the driver builds it from an ErrorResponse. */
function pgError(code: string, message = 'server said no'): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' })
}

/**
 * A client double whose data statements always fail with `error`; transaction control succeeds, so the
 * writer's handling of each class is what is tested.
 */
function failingClient(error: Error): pg.Client & { statements: string[] } {
  const statements: string[] = []

  return {
    statements,
    query: (arg: string | { text: string; handleError?: (e: Error) => void }) => {
      const sql = typeof arg === 'string' ? arg : arg.text
      statements.push(sql.split(' ')[0]!)
      if (/^(INSERT|DELETE|COPY)/.test(sql)) {
        // A COPY is a writable stream the client hands back at once; the server's error arrives on it.
        if (typeof arg === 'object' && arg.handleError !== undefined) {
          // What pg-copy-streams does when the server answers a COPY with an ErrorResponse.
          process.nextTick(() => arg.handleError!(error))

          return arg
        }

        return Promise.reject(error)
      }

      return Promise.resolve({ rows: [], fields: [], rowCount: 0 })
    },
    end: async () => {},
    on: () => {},
  } as unknown as pg.Client & { statements: string[] }
}

function writerWith(client: pg.Client, options: PostgresOptions = optionsFor('t')) {
  const ctx = testContext('out')
  const schema = Schema.of(['k', T.int64, false], ['v', T.string])
  const writer = new PostgresWriter(
    {
      options,
      context: ctx,
      schema,
      jobId: 'j',
      table: '"public"."t"',
      tableLabel: '"public"."t"',
      key: [],
      positions: undefined,
    },
    client,
  )

  return { writer, ctx, schema }
}

describe('classifySqlState', () => {
  it.each([
    ['08006', 'FERRIS_CONNECTION_FAILED', true, false],
    ['08001', 'FERRIS_CONNECTION_FAILED', true, false],
    ['57P01', 'FERRIS_CONNECTION_FAILED', true, false],
    ['28P01', 'FERRIS_AUTHENTICATION_FAILED', false, false],
    ['28000', 'FERRIS_AUTHENTICATION_FAILED', false, false],
    ['40001', 'FERRIS_CONFLICT', true, false],
    ['40P01', 'FERRIS_CONFLICT', true, false],
    ['23505', 'FERRIS_RECORD_MALFORMED', false, true],
    ['23514', 'FERRIS_RECORD_MALFORMED', false, true],
    ['22003', 'FERRIS_TYPE_CONVERSION', false, true],
    ['42501', 'FERRIS_AUTHORIZATION_FAILED', false, false],
    ['42P01', 'FERRIS_NOT_FOUND', false, false],
    ['53300', 'FERRIS_THROTTLED', true, false],
    ['XX000', 'FERRIS_SERVER_ERROR', false, false],
  ])('%s is %s (retryable %s, bad record %s)', (state, code, retryable, badRecord) => {
    expect(classifySqlState(state)).toEqual({ code, retryable, badRecord })
  })

  it('treats Node network errors and a terminated connection as retryable connection failures', () => {
    expect(classifySqlState(undefined, 'ECONNREFUSED')).toMatchObject({
      code: 'FERRIS_CONNECTION_FAILED',
      retryable: true,
    })
    expect(classifySqlState(undefined, undefined, 'Connection terminated unexpectedly')).toMatchObject({
      code: 'FERRIS_CONNECTION_FAILED',
      retryable: true,
    })
  })

  it('keeps the SQLSTATE and the server message, and never the password of a URI in the message', () => {
    const e = classifyError(
      pgError('28P01', 'password authentication failed for postgresql://u:hunter2@h/db'),
      'out',
      'connecting',
    )
    expect(e.code).toBe('FERRIS_AUTHENTICATION_FAILED')
    expect(e.context.sqlState).toBe('28P01')
    expect(e.message).not.toContain('hunter2')
    expect(e.message).toContain('password authentication failed')
  })
})

describe('PostgresWriter with a client that always fails', () => {
  it('fails retryably on a connection error, and the retry reconnects (failing fast while the server is down)', async () => {
    // Nothing listens on port 1: the reconnect is refused at once.
    const options = optionsFor('t', { port: '1', connect_timeout: '2s' })
    const { writer, schema } = writerWith(failingClient(pgError('08006', 'connection failure')), options)
    await writer.write({ schema, rows: [[1n, 'a']] })
    const error = await writer.commit({ checkpointId: 1, positions: {} }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'FERRIS_CONNECTION_FAILED', retryable: true })
    // The retry tries to reconnect to replay the lost transaction, and says so.
    const started = Date.now()
    await expect(writer.commit({ checkpointId: 1, positions: {} })).rejects.toMatchObject({
      code: 'FERRIS_CONNECTION_FAILED',
      retryable: true,
      message: expect.stringContaining('reconnecting to replay the lost transaction failed'),
    })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('after a non-retryable failure, refuses to go on until rolled back', async () => {
    const { writer, schema } = writerWith(failingClient(pgError('28P01')))
    await writer.write({ schema, rows: [[1n, 'a']] })
    await expect(writer.flush()).rejects.toMatchObject({ code: 'FERRIS_AUTHENTICATION_FAILED' })
    // Carrying on would commit a hole.
    await expect(writer.write({ schema, rows: [[2n, 'b']] })).rejects.toMatchObject({
      code: 'FERRIS_AUTHENTICATION_FAILED',
      message: expect.stringContaining('roll back and replay'),
    })
  })

  it('does not retry authentication failures', async () => {
    const { writer, schema } = writerWith(failingClient(pgError('28P01')))
    await writer.write({ schema, rows: [[1n, 'a']] })
    await expect(writer.flush()).rejects.toMatchObject({ code: 'FERRIS_AUTHENTICATION_FAILED', retryable: false })
  })

  it('retries serialization failures and deadlocks', async () => {
    for (const state of ['40001', '40P01']) {
      const { writer, schema } = writerWith(failingClient(pgError(state)))
      await writer.write({ schema, rows: [[1n, 'a']] })
      await expect(writer.flush()).rejects.toMatchObject({ code: 'FERRIS_CONFLICT', retryable: true })
    }
  })

  it('hands each row of a refused statement to the bad-record policy', async () => {
    const client = failingClient(pgError('23505', 'duplicate key value violates unique constraint'))
    const { writer, schema, ctx } = writerWith(client)
    await writer.write({
      schema,
      rows: [
        [1n, 'a'],
        [2n, 'b'],
      ],
    })
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(ctx.bad.map((b) => [b.values?.k, b.error.code, b.error.context.sqlState])).toEqual([
      [1n, 'FERRIS_RECORD_MALFORMED', '23505'],
      [2n, 'FERRIS_RECORD_MALFORMED', '23505'],
    ])
    // One COPY of the rows, then one INSERT per row, each under its own savepoint.
    expect(client.statements).toEqual([
      'BEGIN',
      'SAVEPOINT',
      'COPY',
      'ROLLBACK',
      'SAVEPOINT',
      'INSERT',
      'ROLLBACK',
      'SAVEPOINT',
      'INSERT',
      'ROLLBACK',
      'COMMIT',
    ])
  })
})
