import { Schema, T } from '@ferris/core'

/**
 * The rows a dead-letter sink receives, one per bad record. Text columns carry JSON so that any sink (a CSV
 * file, a Kafka topic, a database table) can store them without nested types:
 * - `position`: the record's place in its source, e.g. `{"file":"in.csv","line":42}`; 64-bit numbers as strings;
 * - `raw` + `raw_encoding`: the original input as it was, `utf8` text or `base64` bytes;
 * - `values`: the decoded fields, when there were any (a sink rejected the row), with exact encodings:
 *   BIGINT and DECIMAL as strings, BYTES as base64, MAP as `[[key, value], ...]`, INTERVAL as ISO 8601.
 */
export const DEAD_LETTER_SCHEMA = new Schema([
  { name: 'error_code', type: T.string, nullable: false, doc: 'The stable FERRIS_* error code' },
  { name: 'error_message', type: T.string, nullable: false, doc: 'What went wrong, secrets redacted' },
  { name: 'origin', type: T.string, nullable: false, doc: 'The source or sink the record failed in' },
  { name: 'position', type: T.string, nullable: true, doc: 'JSON: where the record was in its source' },
  { name: 'raw', type: T.string, nullable: true, doc: 'The original record, as raw_encoding says' },
  { name: 'raw_encoding', type: T.string, nullable: true, doc: 'utf8 or base64' },
  { name: 'values', type: T.string, nullable: true, doc: 'JSON: the decoded fields, when known' },
  { name: 'attempts', type: T.int32, nullable: false, doc: 'How many times the record was tried' },
  { name: 'failed_at', type: T.timestamp('ns', 'UTC'), nullable: false, doc: 'When it was sent here' },
])
