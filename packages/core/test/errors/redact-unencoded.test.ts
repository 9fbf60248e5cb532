import { describe, expect, it } from 'vitest'
import { redactSecrets } from '../../src/errors/redact.js'

describe('core: redactSecrets with a password that was not percent-encoded', () => {
  it('hides everything up to the last "@", so an unencoded "@", "/" or "?" in the password shows nothing of it', () => {
    const text = `'o.uri' = 'postgresql://postgres:p@ss:w/rd%?#&S3cr3t@127.0.0.1:25433/postgres?table=t'`
    const out = redactSecrets(text)
    expect(out).not.toContain('S3cr3t')
    expect(out).not.toContain('ss:w/rd')
    expect(out).toContain('postgresql://postgres:***@127.0.0.1:25433/postgres?table=t')
  })

  it('still shows the host of an ordinary connection string', () => {
    expect(redactSecrets('kafka://user:pw@h1:9092,h2:9092/orders')).toBe('kafka://user:***@h1:9092,h2:9092/orders')
  })
})
