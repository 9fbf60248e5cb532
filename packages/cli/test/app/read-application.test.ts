import { beforeEach, describe, expect, it, vi } from 'vitest'

// Root (which runs CI) can read any file, so an unreadable file is simulated: the file system answers EACCES.
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...real,
    stat: vi.fn(async () => ({ isDirectory: () => false })),
    readFile: vi.fn(async () => {
      throw Object.assign(new Error("EACCES: permission denied, open '/srv/app.sql'"), { code: 'EACCES' })
    }),
  }
})

const { readApplication } = await import('../../src/app/read-application.js')
const { isInvalidApplication } = await import('../../src/output/report-error.js')

describe('cli: reading an application file the user may not read', () => {
  beforeEach(() => vi.clearAllMocks())

  it('says it cannot be read, why, and what to check, as an argument error', async () => {
    const error = await readApplication('app.sql', '/srv').catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'FERRIS_IO',
      message: 'Cannot read application file app.sql (EACCES)',
      context: expect.objectContaining({ hint: 'Check the file permissions', value: '/srv/app.sql' }),
    })
    expect(isInvalidApplication(error)).toBe(true)
  })
})
