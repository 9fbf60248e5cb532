/**
 * Helpers for testing connectors and the engine without any external system: an in-memory source and sink
 * plugin, a ConnectorContext that collects bad records, and read-everything/write-everything shortcuts.
 * Import from `@ferris/core/testing`; nothing here is loaded by `@ferris/core` itself.
 */
export { type MemoryPlugin, memoryOptions, memoryPlugin } from './memory-plugin.js'
export { MemoryStore, type MemoryTable } from './memory-store.js'
export { readAll, writeAll } from './read-all.js'
export { createTestContext, type TestContext } from './test-context.js'
