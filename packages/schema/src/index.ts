// Cache
export { type CacheStats, TtlLruCache, type TtlLruCacheOptions } from './cache/ttl-lru-cache.js'
export { type AdaptResult, BatchAdapter } from './evolution/batch-adapter.js'
// Evolution
export {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  type CompatibilityOptions,
  type CompatibilityProblem,
  type CompatibilityResult,
  checkCompatibility,
} from './evolution/compatibility.js'
export {
  type MigrationOptions,
  type MigrationPlan,
  type MigrationProblem,
  type MigrationResult,
  planMigration,
  tryPlanMigration,
} from './evolution/migration-plan.js'
export { diffSchemas, type FieldChange, type SchemaDiff, type TypeChangeKind } from './evolution/schema-diff.js'
export { type Converter, evolveType, nullSafe, type TypeEvolution } from './evolution/type-evolution.js'
// Registry and providers
export {
  dataSourceProvider,
  inferenceProvider,
  type SchemaProvider,
  type SchemaRequest,
} from './registry/schema-provider.js'
export {
  type DiscoverOptions,
  SchemaRegistry,
  type SchemaRegistryOptions,
} from './registry/schema-registry.js'
