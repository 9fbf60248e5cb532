import { describe, expect, it } from 'vitest'
import { FerrisError } from '../../src/errors/ferris-error.js'
import { redactSecrets } from '../../src/errors/redact.js'

describe('core: redactSecrets', () => {
  it.each([
    ['postgresql://app:hunter2@db:5432/shop', 'postgresql://app:***@db:5432/shop'],
    ['GET /x?user=a&password=hunter2&y=1', 'GET /x?user=a&password=***&y=1'],
    ["WITH ('in.sasl.password' = 'hunter2')", "WITH ('in.sasl.password' = '***')"],
    ['{"api_key": "hunter2", "n": 1}', '{"api_key": "***", "n": 1}'],
    ['token:hunter2 rejected', 'token:*** rejected'],
    ['secret_access_key=hunter2', 'secret_access_key=***'],
  ])('masks the secret in %j', (text, masked) => {
    expect(redactSecrets(text)).toBe(masked)
  })

  it.each([
    'orders.password: this option is required (Password).',
    'orders.api_token: expected an integer, got a secret value (not shown).',
    'Did you mean password? Known options: password, path.',
  ])('keeps the prose of %j', (text) => {
    expect(redactSecrets(text)).toBe(text)
  })

  it('applies to every FerrisError message', () => {
    expect(new FerrisError('FERRIS_AUTHENTICATION_FAILED', 'login failed for kafka://u:hunter2@h:9092').message).toBe(
      'login failed for kafka://u:***@h:9092',
    )
  })
})
