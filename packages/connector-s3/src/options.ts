import { defineOptions, type OptionValues } from '@ferris/core'
import { FORMAT_OPTION_SPECS, PART_OPTION_SPECS } from '@ferris/formats'

/**
 * Every option of the S3 connector. The format, rolling and partitioning options have the same names and
 * meanings as the file connector's, so a job moves between `file://` and `s3://` by changing the URI.
 */
export const s3Options = defineOptions({
  bucket: {
    type: 'string',
    doc: 'The bucket. From a connection string it is the host part: `s3://my-bucket/events/`; in properties it may also be given as part of `path` (`s3://my-bucket/events/`).',
    example: 'my-bucket',
  },
  path: {
    type: 'string',
    default: '',
    aliases: ['key', 'prefix'],
    doc: 'A key relative to the bucket, or a whole `s3://bucket/key` URI. Source: an object key (`events/2024-01-01.csv`), a prefix ending in `/` (every object under it), or a glob (`events/2024-*/*.parquet`, `**` for any depth). A key that names no object is read as a prefix. Sink: the prefix objects are written under (`out/`).',
    example: 'events/2024-*/*.parquet',
  },
  endpoint: {
    type: 'string',
    env: 'AWS_ENDPOINT_URL_S3',
    doc: 'The S3 endpoint URL for S3-compatible servers (`http://127.0.0.1:19000`). Default: AWS for the region.',
  },
  region: { type: 'string', env: 'AWS_REGION', default: 'us-east-1', doc: 'The region requests are signed for.' },
  path_style: {
    type: 'boolean',
    default: false,
    aliases: ['force_path_style'],
    doc: 'Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key` (most S3-compatible servers need it).',
  },
  access_key_id: {
    type: 'string',
    doc: 'Access key id. Without it, the AWS default credential chain is used (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance metadata).',
  },
  secret_access_key: { type: 'string', secret: true, doc: 'Secret access key; needs `access_key_id`.' },
  session_token: { type: 'string', secret: true, doc: 'Session token of temporary credentials.' },
  retry_timeout: {
    type: 'duration',
    default: 120_000,
    doc: 'How long a request failing with a passing error (connection refused, 5xx, SlowDown) is retried, with backoff, before the job fails.',
  },
  format: FORMAT_OPTION_SPECS.format,
  has_headers: FORMAT_OPTION_SPECS.has_headers,
  delimiter: FORMAT_OPTION_SPECS.delimiter,
  quote: FORMAT_OPTION_SPECS.quote,
  escape: FORMAT_OPTION_SPECS.escape,
  null_marker: FORMAT_OPTION_SPECS.null_marker,
  compression: {
    ...FORMAT_OPTION_SPECS.compression,
    doc: 'Source: gzip or zstd objects, `auto` from the extension (.gz, .zst). Sink: `gzip` writes .gz objects.',
  },
  watch: {
    type: 'boolean',
    default: false,
    aliases: ['follow', 'tail'],
    doc: 'Source: unbounded; lists the bucket every `poll_interval` and reads objects that appeared since.',
  },
  poll_interval: { type: 'duration', default: 5000, doc: 'Source with watch: how often to list for new objects.' },
  batch_size: FORMAT_OPTION_SPECS.batch_size,
  sample_size: FORMAT_OPTION_SPECS.sample_size,
  max_record_bytes: FORMAT_OPTION_SPECS.max_record_bytes,
  max_records: { ...PART_OPTION_SPECS.max_records, doc: 'Sink: start a new object after this many records.' },
  max_bytes: {
    ...PART_OPTION_SPECS.max_bytes,
    doc: 'Sink: start a new object once one holds this many bytes (`256mb`).',
  },
  max_age: {
    ...PART_OPTION_SPECS.max_age,
    doc: 'Sink: start a new object once one has been open this long (`15m`). Objects still become visible only at commit.',
  },
  partition_by: {
    ...PART_OPTION_SPECS.partition_by,
    doc: 'Sink: columns whose values name key prefixes, Hive style (`dt=2024-01-01/region=eu/`). The columns stay in the objects too.',
  },
  parquet_compression: FORMAT_OPTION_SPECS.parquet_compression,
  row_group_size: FORMAT_OPTION_SPECS.row_group_size,
  file_prefix: {
    ...PART_OPTION_SPECS.file_prefix,
    doc: 'Sink: the name objects start with: `<prefix>-<job>-<checkpoint>-<seq>.<ext>`.',
  },
  part_size: {
    type: 'size',
    default: 8 * 1024 * 1024,
    doc: 'Sink: multipart upload part size; an object larger than this is uploaded in parts of this size (S3 needs at least 5mb). Memory per open object is about one part.',
  },
  spool_dir: {
    type: 'string',
    doc: 'Sink: local directory for objects written before the first commit of a writer, whose final names are not known yet (default: the OS temp directory).',
  },
})

export type S3Options = OptionValues<typeof s3Options>
