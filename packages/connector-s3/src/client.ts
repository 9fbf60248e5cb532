import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { FerrisError } from '@ferris/core'
import type { S3Options } from './options.js'

/**
 * The one method of the SDK client the connector calls. Sources and sinks take any object with it, so tests
 * can hand in a double (a client that always fails, say) without a server.
 */
export interface S3Api {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's overloads are typed per command; callers narrow.
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>
  /** Closes pooled sockets; called on close for clients the connector built itself. */
  destroy?(): void
}

/**
 * Builds the SDK client from validated options. Credentials given as options win; without them the SDK's
 * default chain runs (environment, profile, web identity, instance metadata). The SDK's own retries are kept
 * short because the connector retries passing errors itself for `retry_timeout` (see `retry.ts`).
 */
export function createS3Client(options: S3Options, subject: string): S3Client {
  if ((options.secret_access_key !== undefined) !== (options.access_key_id !== undefined)) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject}: access_key_id and secret_access_key go together; only ${options.access_key_id === undefined ? 'secret_access_key' : 'access_key_id'} is set`,
      {
        subject: `${subject}.${options.access_key_id === undefined ? 'access_key_id' : 'secret_access_key'}`,
        hint: 'Set both, or neither to use the AWS default credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...)',
      },
    )
  }
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.path_style,
    maxAttempts: 2,
    ...(options.endpoint === undefined ? {} : { endpoint: checkEndpoint(options.endpoint, subject) }),
    ...(options.access_key_id === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: options.access_key_id,
            secretAccessKey: options.secret_access_key ?? '',
            ...(options.session_token === undefined ? {} : { sessionToken: options.session_token }),
          },
        }),
  }

  return new S3Client(config)
}

function checkEndpoint(endpoint: string, subject: string): string {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: the endpoint "${endpoint}" is not a URL`, {
      subject: `${subject}.endpoint`,
      value: endpoint,
      expected: 'http(s)://host[:port]',
      hint: 'Write the endpoint with its scheme, e.g. http://127.0.0.1:19000',
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: the endpoint "${endpoint}" is not http or https`, {
      subject: `${subject}.endpoint`,
      value: endpoint,
      expected: 'http(s)://host[:port]',
    })
  }

  return endpoint
}
