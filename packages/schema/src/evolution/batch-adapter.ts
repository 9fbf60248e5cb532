import { FerrisError, isFerrisError, type RecordBatch, type Schema } from '@ferris/core'
import { type MigrationOptions, type MigrationPlan, tryPlanMigration } from './migration-plan.js'

/** The answer for one batch: rows in the expected shape, or why its shape cannot be evolved. */
export type AdaptResult =
  | { readonly ok: true; readonly batch: RecordBatch; readonly evolved: boolean }
  | { readonly ok: false; readonly error: FerrisError }

/**
 * Keeps a stream in the schema a job expects while its source's schema drifts (a new column in a file, a
 * new version of a topic's Avro schema): batches in a compatible shape are migrated, and a batch whose
 * shape cannot be evolved is returned as an error for the job's bad-record policy. Plans are compiled once
 * per distinct batch schema and kept while that schema object lives.
 */
export class BatchAdapter {
  readonly target: Schema
  readonly #options: MigrationOptions
  readonly #plans = new WeakMap<Schema, MigrationPlan | FerrisError>()
  #evolvedSchemas = 0

  constructor(target: Schema, options: MigrationOptions = {}) {
    this.target = target
    this.#options = options
  }

  /** How many distinct incoming schemas needed a migration so far. */
  get evolvedSchemas(): number {
    return this.#evolvedSchemas
  }

  adapt(batch: RecordBatch, origin = 'source'): AdaptResult {
    if (batch.schema === this.target) return { ok: true, batch, evolved: false }
    let plan = this.#plans.get(batch.schema)
    if (plan === undefined) {
      const result = tryPlanMigration(batch.schema, this.target, this.#options)
      plan = result.ok
        ? result.plan
        : new FerrisError(
            'FERRIS_SCHEMA_INCOMPATIBLE',
            `Records of ${origin} changed shape incompatibly: ${result.problems.map((p) => p.reason).join('; ')}`,
            {
              subject: origin,
              value: batch.schema.toString(),
              expected: this.target.toString(),
              problems: result.problems,
              hint: 'Declare the new columns in the query, or restart the job with the new schema',
            },
          )
      if (result.ok && !result.plan.identity) this.#evolvedSchemas++
      this.#plans.set(batch.schema, plan)
    }
    if (isFerrisError(plan)) return { ok: false, error: plan }

    return { ok: true, batch: plan.migrateBatch(batch), evolved: !plan.identity }
  }
}
