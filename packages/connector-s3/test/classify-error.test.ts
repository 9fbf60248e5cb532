import { S3ServiceException } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { classifyError } from '../src/classify-error.js'
import type { S3Api } from '../src/client.js'
import { S3Sink } from '../src/sink/s3-sink.js'
import { S3Source } from '../src/source/s3-source.js'
import { registry, testContext } from './helpers.js'

const op = { action: 'get', bucket: 'b', key: 'k', subject: 'orders' }

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} happened`,
  })
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:19000`), { code })
}

/** A client whose every request fails with `error`, counting the attempts. */
function failingClient(error: unknown): S3Api & { calls: number } {
  const client = {
    calls: 0,
    async send() {
      client.calls++
      throw error
    },
  }

  return client
}

const URI =
  's3://bucket-x/in/data.csv?endpoint=http://127.0.0.1:1&path_style=true&access_key_id=a&secret_access_key=topsecret&retry_timeout=300ms'

function options() {
  return registry().resolve({ name: 'orders', role: 'source', properties: { uri: URI } }).options as never
}

describe('[s3] classifyError', () => {
  it.each([
    ['NoSuchBucket', 404, 'FERRIS_NOT_FOUND', false],
    ['NoSuchKey', 404, 'FERRIS_NOT_FOUND', false],
    ['NotFound', 404, 'FERRIS_NOT_FOUND', false],
    ['AccessDenied', 403, 'FERRIS_AUTHORIZATION_FAILED', false],
    ['InvalidAccessKeyId', 403, 'FERRIS_AUTHENTICATION_FAILED', false],
    ['SignatureDoesNotMatch', 403, 'FERRIS_AUTHENTICATION_FAILED', false],
    ['SlowDown', 503, 'FERRIS_THROTTLED', true],
    ['InternalError', 500, 'FERRIS_SERVER_ERROR', true],
    ['BadGateway', 502, 'FERRIS_SERVER_ERROR', true],
    ['ConditionalRequestConflict', 409, 'FERRIS_CONFLICT', true],
    ['InvalidArgument', 400, 'FERRIS_IO', false],
  ] as const)('maps %s (HTTP %i) to %s', (name, status, code, retryable) => {
    const e = classifyError(s3Error(name, status), op)
    expect(e.code).toBe(code)
    expect(e.retryable).toBe(retryable)
    expect(e.message).toContain('orders: get s3://b/k failed')
    expect(e.context.s3Error).toBe(name)
  })

  it('maps PreconditionFailed on a write to FERRIS_ALREADY_EXISTS and on a read to FERRIS_CONFLICT', () => {
    expect(classifyError(s3Error('PreconditionFailed', 412), { ...op, action: 'put' }).code).toBe(
      'FERRIS_ALREADY_EXISTS',
    )
    const read = classifyError(s3Error('PreconditionFailed', 412), op)
    expect(read.code).toBe('FERRIS_CONFLICT')
    expect(read.retryable).toBe(false)
  })

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'])(
    'maps the network error %s to a retryable FERRIS_CONNECTION_FAILED',
    (code) => {
      const e = classifyError(Object.assign(new Error('socket'), { cause: networkError(code) }), op)
      expect(e.code).toBe('FERRIS_CONNECTION_FAILED')
      expect(e.retryable).toBe(true)
      expect(e.message).toContain(code)
    },
  )

  it('maps a timeout to FERRIS_TIMEOUT', () => {
    expect(classifyError(Object.assign(new Error('t'), { name: 'TimeoutError' }), op).code).toBe('FERRIS_TIMEOUT')
  })
})

describe('[s3] a client that always fails', () => {
  it('fails open of a source with NoSuchBucket as FERRIS_NOT_FOUND after one attempt', async () => {
    const client = failingClient(s3Error('NoSuchBucket', 404))
    const src = new S3Source(options(), testContext('orders'), client)
    await expect(src.open()).rejects.toMatchObject({
      code: 'FERRIS_NOT_FOUND',
      message: expect.stringContaining('bucket "bucket-x" does not exist'),
    })
    expect(client.calls).toBe(1)
  })

  it('retries connection failures until retry_timeout, then fails with FERRIS_CONNECTION_FAILED', async () => {
    const client = failingClient(networkError('ECONNREFUSED'))
    const src = new S3Source(options(), testContext('orders'), client)
    const started = Date.now()
    await expect(src.open()).rejects.toMatchObject({ code: 'FERRIS_CONNECTION_FAILED', retryable: true })
    expect(client.calls).toBeGreaterThan(1)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('fails a sink commit with AccessDenied as FERRIS_AUTHORIZATION_FAILED without retrying', async () => {
    const client = failingClient(s3Error('AccessDenied', 403))
    const o = registry().resolve({
      name: 'out',
      role: 'sink',
      properties: { uri: URI.replace('in/data.csv', 'out/'), format: 'jsonl' },
    }).options as never
    const out = new S3Sink(o, testContext('out'), client)
    await expect(out.open()).rejects.toMatchObject({ code: 'FERRIS_AUTHORIZATION_FAILED' })
    expect(client.calls).toBe(1)
  })

  it('never puts the secret key into an error', async () => {
    const client = failingClient(s3Error('SignatureDoesNotMatch', 403))
    const src = new S3Source(options(), testContext('orders'), client)
    const error = await src.open().catch((e: unknown) => e)
    expect(JSON.stringify(error)).not.toContain('topsecret')
    expect(String((error as { describe(): string }).describe())).not.toContain('topsecret')
  })
})
