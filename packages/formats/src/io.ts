/**
 * The byte-level I/O that formats read from and write to. The file connector implements these over the
 * local file system and the S3 connector over objects (ranged GETs, multipart uploads), so one decoder or
 * encoder serves both.
 */

/** A file or object read by ranges: Parquet reads its footer first, then the row groups it needs. */
export interface RandomAccessInput {
  /** For messages: a path or `s3://bucket/key`. */
  readonly name: string
  size(): Promise<number>
  /** Reads `length` bytes at `offset`; fewer only at the end of the input. */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** Where an encoder's bytes go, in order. `write` resolves when the bytes may be handed to the next writer. */
export interface ByteOutput {
  write(chunk: Uint8Array): Promise<void>
}
