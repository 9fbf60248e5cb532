import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createJsonLogger } from '../../src/output/loggers.js'

describe('createJsonLogger', () => {
  it("writes a child's fields once, the child's value replacing its parent's", async () => {
    const out = new PassThrough()
    const chunks: string[] = []
    out.on('data', (c) => chunks.push(String(c)))
    const logger = createJsonLogger('info', out)
    logger
      .child({ module: 'sql', sink: 'x' })
      .child({ module: 'connector-kafka', sink: 'x' })
      .log('info', 'hello', { n: 1 })
    await new Promise((r) => setTimeout(r, 20))
    const line = chunks.join('').trim()
    expect(line.match(/"module"/g)).toHaveLength(1)
    expect(line.match(/"sink"/g)).toHaveLength(1)
    expect(JSON.parse(line)).toMatchObject({ module: 'connector-kafka', sink: 'x', n: 1, msg: 'hello' })
  })
})
