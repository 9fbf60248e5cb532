/**
 * A source's position: where to resume after everything already handed over. Positions are opaque to the
 * engine, which stores them in checkpoints as JSON and hands them back to the same connector; each
 * connector documents its own shape (a file path plus byte offset, Kafka offsets per partition, a
 * PostgreSQL LSN). 64-bit offsets are written as decimal strings so that JSON keeps them exact.
 */
export type Position = JsonValue

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }
