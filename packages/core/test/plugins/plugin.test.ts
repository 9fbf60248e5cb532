import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CORE_API_VERSION } from '../../src/plugins/plugin.js'

describe('core: CORE_API_VERSION', () => {
  it('is the version of the @ferris/core package, which every @ferris package shares', () => {
    // All @ferris/* packages release with one version (docs/releasing.md); after `changeset version`,
    // set CORE_API_VERSION in src/plugins/plugin.ts to the new version in the same commit.
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string
    }
    expect(CORE_API_VERSION).toBe(manifest.version)
  })
})
