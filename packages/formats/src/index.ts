// Compression
export {
  COMPRESSIONS,
  type Compression,
  compressChunk,
  compressionFor,
  decompress,
  stripCompressionExtension,
} from './compression/compression.js'
export { jsonToValue } from './convert/json-value.js'
// CSV
export { CsvDecoder, type CsvDecoderOptions, readCsvHeader } from './csv/csv-decoder.js'
export { type CsvDialect, type CsvDialectOptions, csvDialect } from './csv/csv-dialect.js'
export { CsvEncoder, type CsvEncoderOptions } from './csv/csv-encoder.js'
export { CsvTokenizer, type CsvTokenSink } from './csv/csv-tokenizer.js'
// Contracts
export {
  type DecodeBadRecord,
  type DecodedChunk,
  type DecoderOptions,
  MAX_RAW_LENGTH,
  type RecordDecoder,
} from './decoder.js'
export type { RecordEncoder } from './encoder.js'
// Schema inference
export { DEFAULT_SAMPLE_SIZE, inferSchema } from './infer/infer-schema.js'
export { jsonType, textType } from './infer/value-types.js'
export { finalType, widen } from './infer/widen.js'
export type { ByteOutput, RandomAccessInput } from './io.js'
// JSON
export { isJsonNumberText, type JsonAny, JsonNumberText, parseJsonExact } from './json/exact-json.js'
export { JsonArrayDecoder } from './json/json-array-decoder.js'
export { JsonArrayEncoder, JsonLinesEncoder } from './json/json-encoder.js'
export { JsonLinesDecoder } from './json/json-lines-decoder.js'
export { jsonText, valueToJson } from './json/json-text.js'
export * from './message/index.js'
// Format options shared by file-like connectors
export {
  FORMAT_OPTION_SPECS,
  type FormatOptionValues,
  formatOf,
  PART_OPTION_SPECS,
  type ResolvedFormat,
} from './options/format-options.js'
// Parquet (read by ranges through RandomAccessInput, written through ByteOutput)
export * from './parquet/index.js'
// Paths and keys
export { GLOB_CHARS, globToRegExp } from './paths/glob.js'
export { jobTag } from './paths/job-tag.js'
export { type PartFill, partFull, type RollingLimits, rowsThatFit } from './paths/part-rolling.js'
export { groupByPartition, NULL_PARTITION, partitionIndexes, partitionPath } from './paths/partition-path.js'
// Reading files and objects into batches, whatever holds the bytes
export type { ByteOrigin, ClosableInput } from './reading/byte-origin.js'
export {
  type FormatReader,
  type FormatReaderOptions,
  openFormatReader,
  type ReadHooks,
  type ReadProgress,
  type TakeResult,
} from './reading/format-reader.js'
export { type InputWalk, type ReadBatchOptions, readBatch } from './reading/read-batch.js'
export { RowOrigins } from './reading/row-origins.js'
export { decodeStream } from './stream/decode-stream.js'
// Format lookup
export {
  extensionFor,
  FORMAT_NAMES,
  type FormatLookup,
  type FormatName,
  formatFor,
  type StreamFormat,
  type StreamFormatName,
  type StreamFormatOptions,
  streamFormat,
} from './stream-format.js'
