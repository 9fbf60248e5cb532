import { describe, expect, it } from 'vitest'
import { jobTag } from '../../src/paths/job-tag.js'

describe('[formats] jobTag', () => {
  it('keeps a short safe job id as it is', () => {
    expect(jobTag('orders_to-s3')).toBe('orders_to-s3')
  })

  it('replaces unsafe characters and adds a hash, so ids that differ only there stay apart', () => {
    const a = jobTag('job/a')
    const b = jobTag('job:a')
    expect(a).toMatch(/^job_a-[0-9a-f]{8}$/)
    expect(b).toMatch(/^job_a-[0-9a-f]{8}$/)
    expect(a).not.toBe(b)
  })

  it('shortens a long id to 15 characters and a hash', () => {
    const tag = jobTag('a-very-long-job-identifier-for-tests')
    expect(tag).toMatch(/^a-very-long-job-[0-9a-f]{8}$/)
    expect(jobTag('a-very-long-job-identifier-for-tests')).toBe(tag)
  })
})
