import type { Schema } from '@ferris/core'
import { type MigrationOptions, type MigrationProblem, tryPlanMigration } from './migration-plan.js'

/**
 * The modes of the Confluent schema registry, between two versions of a schema:
 * - `backward`: readers on the new schema can read data written with the old one;
 * - `forward`: readers on the old schema can read data written with the new one;
 * - `full`: both; `none`: no check.
 */
export type CompatibilityMode = 'backward' | 'forward' | 'full' | 'none'

export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = ['backward', 'forward', 'full', 'none']

export interface CompatibilityProblem extends MigrationProblem {
  /** Which reading failed: new readers on old data (`backward`) or old readers on new data (`forward`). */
  readonly direction: 'backward' | 'forward'
}

export interface CompatibilityResult {
  readonly mode: CompatibilityMode
  readonly compatible: boolean
  readonly problems: readonly CompatibilityProblem[]
}

export interface CompatibilityOptions {
  /** Defaults of fields the new schema adds (used reading old data with the new schema). */
  readonly newDefaults?: MigrationOptions['defaults']
  /** Defaults of fields the old schema has and the new one lacks (used reading new data with the old schema). */
  readonly oldDefaults?: MigrationOptions['defaults']
}

/**
 * Checks whether `next` may replace `previous` under `mode`. Reading one schema's data with another is
 * exactly a migration plan, so both directions use `tryPlanMigration` and report its reasons.
 */
export function checkCompatibility(
  previous: Schema,
  next: Schema,
  mode: CompatibilityMode,
  options: CompatibilityOptions = {},
): CompatibilityResult {
  const problems: CompatibilityProblem[] = []
  if (mode === 'backward' || mode === 'full') {
    const r = tryPlanMigration(previous, next, {
      ...(options.newDefaults === undefined ? {} : { defaults: options.newDefaults }),
    })
    if (!r.ok) problems.push(...r.problems.map((p) => ({ ...p, direction: 'backward' as const })))
  }
  if (mode === 'forward' || mode === 'full') {
    const r = tryPlanMigration(next, previous, {
      ...(options.oldDefaults === undefined ? {} : { defaults: options.oldDefaults }),
    })
    if (!r.ok) problems.push(...r.problems.map((p) => ({ ...p, direction: 'forward' as const })))
  }

  return { mode, compatible: problems.length === 0, problems }
}
