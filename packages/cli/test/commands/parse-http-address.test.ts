import { isFerrisError } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { parseHttpAddress } from '../../src/commands/run.js'

describe('parseHttpAddress (ferris run --http)', () => {
  it('reads IPv4, host names and bracketed IPv6 with a port', () => {
    expect(parseHttpAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(parseHttpAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 })
    expect(parseHttpAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 })
    expect(parseHttpAddress(' 0.0.0.0:65535 ')).toEqual({ host: '0.0.0.0', port: 65535 })
  })

  it.each(['9464', ':9464', '127.0.0.1:', '127.0.0.1:65536', '::1:9464', 'http://127.0.0.1:9464', 'a b:1'])(
    'refuses %j with the value, what is expected and a hint',
    (text) => {
      try {
        parseHttpAddress(text)
        expect.unreachable()
      } catch (e) {
        expect(isFerrisError(e) && e.code).toBe('FERRIS_CONFIG_INVALID')
        expect(isFerrisError(e) && e.context).toMatchObject({ subject: '--http', value: text })
        expect(isFerrisError(e) && e.context.hint).toMatch(/--http 127\.0\.0\.1:9464/)
      }
    },
  )
})
