export { fromArrowSchema, fromArrowType, toArrowSchema, toArrowType, UINT64_AS_DECIMAL } from './arrow-types.js'
export {
  createParquetWriter,
  DEFAULT_ROW_GROUP_SIZE,
  PARQUET_COMPRESSIONS,
  type ParquetCompression,
  type ParquetWriter,
  type ParquetWriterOptions,
  type ParquetWriteSummary,
} from './parquet-writer.js'
export {
  type ParquetBadRow,
  type ParquetFileInfo,
  type ParquetReadOptions,
  type ParquetRowBatch,
  readParquet,
  readParquetInfo,
  readParquetSchema,
} from './read-parquet.js'
