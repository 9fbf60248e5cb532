import semver from 'semver'
import { describe, expect, it } from 'vitest'
import { compareVersions, isValidRange, parseVersion, satisfiesRange } from '../../src/plugins/semver.js'

const versions = [
  '0.0.1',
  '0.0.2',
  '0.1.0',
  '0.1.5',
  '0.2.0-rc.1',
  '0.2.0',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0',
  '1.2.3',
  '1.2.4-0',
  '1.3.0',
  '1.9.9',
  '2.0.0-0',
  '2.0.0',
  '2.3.4',
  '2.3.5',
  '10.0.0+build.7',
]

const ranges = [
  '^0.1.0',
  '^0.0.1',
  '^1.2.3',
  '^1',
  '^0',
  '~1.2.3',
  '~1.2',
  '~1',
  '~0.1.0',
  '>=1.0.0 <2',
  '>= 1.2.3',
  '>1.2.3',
  '<=1.2.3',
  '<1.2.3',
  '>1.2',
  '<=1.2',
  '1.x',
  '1.2.*',
  '*',
  '',
  'x',
  '1.2.3',
  '=1.2.3',
  'v1.2.3',
  '1.2.3 - 2.3.4',
  '1.2 - 2.3',
  '1 - 2',
  '^0.1.0 || ^1.0.0',
  '<1.0.0-beta.3',
  '>=1.0.0-alpha.1 <1.0.0',
  '^2.0.0-0',
]

describe('core: semver ranges', () => {
  it.each(ranges)('matches npm semver for the range %j on every sample version', (range) => {
    for (const version of versions) {
      expect([version, satisfiesRange(version, range)]).toEqual([
        version,
        semver.satisfies(version, range, { includePrerelease: true }),
      ])
    }
  })

  it.each(['not a range', '^1.2.3.4', '>=a', '1.2.3 - '])('rejects the invalid range %j', (range) => {
    expect(isValidRange(range)).toBe(false)
    expect(satisfiesRange('1.2.3', range)).toBe(false)
  })

  it('orders versions by semver precedence', () => {
    const sorted = [...versions].sort((a, b) => compareVersions(parseVersion(a)!, parseVersion(b)!))
    expect(sorted).toEqual([...versions].sort(semver.compare))
  })
})
