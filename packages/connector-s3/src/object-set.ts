import { FerrisError } from '@ferris/core'
import { GLOB_CHARS, globToRegExp } from '@ferris/formats'

/**
 * What a source's `path` names inside its bucket. `key` may turn out to be a prefix: the source asks the
 * server (HEAD) when it opens and treats a key without an object as the prefix `key/`.
 */
export type ObjectSet =
  | { readonly kind: 'key'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'prefix'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'glob'; readonly bucket: string; readonly prefix: string; readonly pattern: RegExp }

/**
 * Tells what `path` names. `path` is a key relative to the bucket (a leading `/` is dropped), or a whole
 * `s3://bucket/key` URI, whose bucket must then agree with `bucket`.
 */
export function objectSet(bucketOption: string | undefined, path: string, subject: string): ObjectSet {
  const { bucket, key: rawKey } = bucketAndKey(bucketOption, path, subject)
  const key = rawKey
  if (GLOB_CHARS.test(key)) {
    const segments = key.split('/')
    const first = segments.findIndex((s) => GLOB_CHARS.test(s))
    const prefix = segments
      .slice(0, first)
      .map((s) => `${s}/`)
      .join('')

    return { kind: 'glob', bucket, prefix, pattern: globToRegExp(key, `${subject}.path`) }
  }
  if (key === '' || key.endsWith('/')) return { kind: 'prefix', bucket, prefix: key }

  return { kind: 'key', bucket, key }
}

/** The bucket and the key of `path`, which may be a whole `s3://bucket/key` URI agreeing with `bucket`. */
export function bucketAndKey(
  bucketOption: string | undefined,
  path: string,
  subject: string,
): { bucket: string; key: string } {
  let key = path
  let bucket = bucketOption
  if (/^s3:\/\//i.test(key)) {
    const rest = key.slice(5)
    const slash = rest.indexOf('/')
    const uriBucket = slash < 0 ? rest : rest.slice(0, slash)
    if (bucket !== undefined && uriBucket !== bucket) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${subject}: path ${path} names bucket "${uriBucket}" but bucket is "${bucket}"`,
        {
          subject: `${subject}.path`,
          value: path,
          hint: 'Give the key alone in path, or make bucket agree with it',
        },
      )
    }
    bucket = uriBucket
    key = slash < 0 ? '' : rest.slice(slash + 1)
  }
  if (bucket === undefined) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: no bucket given`, {
      subject: `${subject}.bucket`,
      hint: `Use a connection string s3://<bucket>/<prefix>, or set '${subject}.bucket', or a path s3://<bucket>/<key>`,
    })
  }
  checkBucket(bucket, subject)

  return { bucket, key: key.replace(/^\/+/, '') }
}

/** The bucket naming rules S3 enforces, checked here so a typo fails with a message, not a signature error. */
function checkBucket(bucket: string, subject: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: "${bucket}" is not a valid bucket name`, {
      subject: `${subject}.bucket`,
      value: bucket,
      expected: '3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit',
      hint: "Write the bucket as the host of the URI (s3://my-bucket/prefix/) or in '<name>.bucket'",
    })
  }
}
