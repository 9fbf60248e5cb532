import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { isFerrisError } from '@ferris/core'
import type { ObjectSet } from '../object-set.js'
import type { S3Env } from '../s3-env.js'

export interface ObjectInfo {
  readonly key: string
  readonly size: number
  readonly etag?: string
}

/**
 * The objects a set names now, in key order (S3 lists in UTF-8 byte order). Follows continuation tokens, so
 * any number of keys is listed, 1000 per request. Keys whose last segment starts with `.` or `_` are skipped
 * as hidden (Hive's convention; Spark's `_SUCCESS` markers).
 */
export async function listObjects(env: S3Env, set: ObjectSet): Promise<ObjectInfo[]> {
  if (set.kind === 'key') {
    const head = await headObject(env, set.key)
    if (head !== undefined) return [head]

    return listPrefix(env, `${set.key}/`, undefined)
  }
  if (set.kind === 'prefix') return listPrefix(env, set.prefix, undefined)

  return listPrefix(env, set.prefix, set.pattern)
}

export async function headObject(env: S3Env, key: string): Promise<ObjectInfo | undefined> {
  try {
    const head = await env.call('head', key, (abortSignal) =>
      env.client.send(new HeadObjectCommand({ Bucket: env.bucket, Key: key }), { abortSignal }),
    )
    return { key, size: Number(head.ContentLength ?? 0), ...(head.ETag === undefined ? {} : { etag: head.ETag }) }
  } catch (error) {
    if (isFerrisError(error) && error.code === 'FERRIS_NOT_FOUND' && error.context.s3Error !== 'NoSuchBucket')
      return undefined
    throw error
  }
}

async function listPrefix(env: S3Env, prefix: string, pattern: RegExp | undefined): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = []
  let token: string | undefined
  do {
    const page = await env.call('list', prefix, (abortSignal) =>
      env.client.send(
        new ListObjectsV2Command({
          Bucket: env.bucket,
          Prefix: prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
        { abortSignal },
      ),
    )
    for (const o of (page.Contents ?? []) as Array<{ Key?: string; Size?: number; ETag?: string }>) {
      const key = o.Key
      if (key === undefined || key.endsWith('/')) continue
      if (/^[._]/.test(key.slice(key.lastIndexOf('/') + 1))) continue
      if (pattern !== undefined && !pattern.test(key)) continue
      out.push({ key, size: Number(o.Size ?? 0), ...(o.ETag === undefined ? {} : { etag: o.ETag }) })
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined
  } while (token !== undefined)

  return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
}
