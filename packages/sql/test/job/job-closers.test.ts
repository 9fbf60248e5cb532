import { describe, expect, it } from 'vitest'
import { JobClosers } from '../../src/job/job-closers.js'

describe('JobClosers', () => {
  it('closes readers and writers together, then connectors together, and reports failures without stopping', async () => {
    const log: string[] = []
    const slow =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`)
        await new Promise((r) => setTimeout(r, ms))
        log.push(`end ${name}`)
        if (fail) throw new Error(`${name} failed`)
      }
    const closers = new JobClosers()
    closers.connector(slow('source', 5))
    closers.part(slow('reader', 30))
    closers.connector(slow('sink', 5, true))
    closers.part(slow('writer', 10, true))
    const errors: string[] = []
    await closers.closeAll((e) => errors.push(String(e)))
    expect(log).toEqual([
      'start reader',
      'start writer',
      'end writer',
      'end reader',
      'start source',
      'start sink',
      'end source',
      'end sink',
    ])
    expect(errors).toEqual(['Error: writer failed', 'Error: sink failed'])
  })
})
