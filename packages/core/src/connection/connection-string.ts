/**
 * A parsed connection string, e.g. `kafka://h1:9092,h2:9092/orders?group_id=g`. Unlike WHATWG URL it keeps
 * several hosts, repeated and empty parameters and Windows paths, and it never prints a password.
 */
export interface ConnectionHost {
  /** Host name or address; an IPv6 address without its brackets. */
  readonly host: string
  readonly port?: number
}

export interface ConnectionString {
  /** Lower-cased, e.g. `kafka`, `s3`, `file`, `postgresql`. */
  readonly scheme: string
  readonly username?: string
  /** Decoded. Never printed: `formatConnectionString` and `toString` redact it. */
  readonly password?: string
  readonly hosts: readonly ConnectionHost[]
  /**
   * The decoded path: `/orders`, `/data/in.csv`, `C:/data/in.csv`, or a relative `./data/in.csv` for
   * `file:./data/in.csv` and `file://./data/in.csv`. For `s3://bucket/key`, the bucket is `hosts[0].host`.
   */
  readonly path: string
  /** Decoded parameters in order; a key may repeat and a value may be empty. */
  readonly params: ReadonlyArray<readonly [key: string, value: string]>
}
