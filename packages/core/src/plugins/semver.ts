import semver from 'semver'

/** True when `version` is within `range` (npm semantics, pre-releases included when the range names one). */
export function satisfiesRange(version: string, range: string): boolean {
  return semver.validRange(range) !== null && semver.satisfies(version, range, { includePrerelease: true })
}
