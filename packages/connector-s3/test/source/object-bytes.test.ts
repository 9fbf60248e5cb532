import { GetObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import type { S3Api } from '../../src/client.js'
import { S3Env } from '../../src/s3-env.js'
import { objectBytes } from '../../src/source/object-bytes.js'
import { registry, testContext } from '../helpers.js'

const DATA = Buffer.from('abcdefghijklmnopqrstuvwxyz')

function env(client: S3Api): S3Env {
  const options = registry().resolve({
    name: 'in',
    role: 'source',
    properties: { uri: 's3://bucket-x/k?endpoint=http://127.0.0.1:1&retry_timeout=2s' },
  }).options as never

  return new S3Env(client, 'bucket-x', options, testContext('in'))
}

describe('[s3] objectBytes', () => {
  it('continues from the byte after the last one yielded when the connection breaks mid-body', async () => {
    const ranges: string[] = []
    let calls = 0
    const client: S3Api = {
      async send(command: GetObjectCommand) {
        expect(command).toBeInstanceOf(GetObjectCommand)
        ranges.push(String(command.input.Range))
        const from = Number(/bytes=(\d+)-/.exec(String(command.input.Range))![1])
        const first = calls++ === 0
        return {
          Body: (async function* () {
            yield DATA.subarray(from, from + 5)
            yield DATA.subarray(from + 5, from + 10)
            if (first) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
            yield DATA.subarray(from + 10)
          })(),
        }
      },
    }
    const chunks: Uint8Array[] = []
    for await (const c of objectBytes(env(client), { key: 'k', start: 3, size: DATA.length, etag: '"e"' }))
      chunks.push(c)
    expect(Buffer.concat(chunks).toString()).toBe(DATA.subarray(3).toString())
    expect(ranges).toEqual(['bytes=3-', 'bytes=13-'])
  })

  it('does not retry an error that cannot pass, and asks for nothing at the end of the object', async () => {
    let calls = 0
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })
    const client: S3Api = {
      async send() {
        calls++
        throw denied
      },
    }
    await expect(objectBytes(env(client), { key: 'k', start: 0, size: 10 }).next()).rejects.toMatchObject({
      code: 'FERRIS_AUTHORIZATION_FAILED',
    })
    expect(calls).toBe(1)
    expect(await objectBytes(env(client), { key: 'k', start: 10, size: 10 }).next()).toEqual({
      done: true,
      value: undefined,
    })
    expect(calls).toBe(1)
  })
})
