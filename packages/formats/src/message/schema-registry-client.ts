import { FerrisError, redactConnectionString } from '@ferris/core'

export interface SchemaRegistryOptions {
  /** e.g. `http://127.0.0.1:8081`; user and password may be given here or apart. */
  readonly url: string
  readonly username?: string
  readonly password?: string
  /** Per request, in milliseconds. */
  readonly timeoutMs?: number
  /** For tests: a `fetch` of your own. */
  readonly fetch?: typeof fetch
}

/**
 * A client for the Confluent Schema Registry REST API, as far as a message codec needs it: the writer
 * schema of an id, and the id of a schema registered under a subject. Schemas never change once given an
 * id, so answers are cached for the life of the client.
 */
export class SchemaRegistryClient {
  readonly #base: string
  readonly #shown: string
  readonly #auth: string | undefined
  readonly #timeoutMs: number
  readonly #fetch: typeof fetch
  readonly #byId = new Map<number, Promise<string>>()
  readonly #bySubject = new Map<string, Promise<number>>()

  constructor(options: SchemaRegistryOptions) {
    let url: URL
    try {
      url = new URL(options.url)
    } catch (error) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `The schema registry URL "${redactConnectionString(options.url)}" does not parse`,
        {
          subject: 'schema_registry_url',
          value: redactConnectionString(options.url),
          expected: 'http(s)://host:port',
          cause: error,
        },
      )
    }
    const username = options.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username))
    const password = options.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password))
    url.username = ''
    url.password = ''
    this.#base = url.toString().replace(/\/$/, '')
    this.#shown = this.#base
    this.#auth =
      username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#fetch = options.fetch ?? fetch
  }

  /** The writer schema (JSON text) with this id. */
  schemaById(id: number): Promise<string> {
    let found = this.#byId.get(id)
    if (found === undefined) {
      found = this.#request('GET', `/schemas/ids/${id}`).then((body) => {
        const schema = (body as { schema?: unknown }).schema
        if (typeof schema !== 'string') throw this.#unexpected(`/schemas/ids/${id}`, body)

        return schema
      })
      // A failed lookup is not cached: the registry may answer next time.
      found.catch(() => this.#byId.delete(id))
      this.#byId.set(id, found)
    }

    return found
  }

  /** The latest schema registered under `subject`, with its id; undefined when the subject does not exist. */
  async latest(subject: string): Promise<{ id: number; schema: string } | undefined> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions/latest`
    try {
      const body = (await this.#request('GET', path)) as { id?: unknown; schema?: unknown }
      if (typeof body.id !== 'number' || typeof body.schema !== 'string') throw this.#unexpected(path, body)
      this.#byId.set(body.id, Promise.resolve(body.schema))

      return { id: body.id, schema: body.schema }
    } catch (error) {
      if ((error as { code?: string }).code === 'FERRIS_NOT_FOUND') return undefined
      throw error
    }
  }

  /** Registers (or finds) `schema` under `subject` and returns its id. */
  register(subject: string, schema: string): Promise<number> {
    const key = `${subject}\u0000${schema}`
    let found = this.#bySubject.get(key)
    if (found === undefined) {
      const path = `/subjects/${encodeURIComponent(subject)}/versions`
      found = this.#request('POST', path, { schema }).then((body) => {
        const id = (body as { id?: unknown }).id
        if (typeof id !== 'number') throw this.#unexpected(path, body)
        this.#byId.set(id, Promise.resolve(schema))

        return id
      })
      found.catch(() => this.#bySubject.delete(key))
      this.#bySubject.set(key, found)
    }

    return found
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const where = `${this.#shown}${path}`
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' }
    if (this.#auth !== undefined) headers.authorization = this.#auth
    if (body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json'
    let response: Response
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (error) {
      const timeout = error instanceof Error && error.name === 'TimeoutError'

      throw new FerrisError(
        timeout ? 'FERRIS_TIMEOUT' : 'FERRIS_CONNECTION_FAILED',
        `Schema registry ${method} ${where} ${timeout ? `did not answer within ${this.#timeoutMs} ms` : 'failed to connect'}`,
        {
          subject: 'schema_registry_url',
          value: this.#shown,
          hint: 'Check that the schema registry runs and the URL is right',
          cause: error,
        },
      )
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text === '' ? {} : JSON.parse(text)
    } catch {
      parsed = { message: text.slice(0, 200) }
    }
    if (response.ok) return parsed
    const message = (parsed as { message?: unknown }).message
    const detail = typeof message === 'string' ? `: ${message}` : ''
    const status = response.status
    const code =
      status === 401
        ? 'FERRIS_AUTHENTICATION_FAILED'
        : status === 403
          ? 'FERRIS_AUTHORIZATION_FAILED'
          : status === 404
            ? 'FERRIS_NOT_FOUND'
            : status === 409
              ? 'FERRIS_SCHEMA_INCOMPATIBLE'
              : status === 429
                ? 'FERRIS_THROTTLED'
                : status >= 500
                  ? 'FERRIS_SERVER_ERROR'
                  : 'FERRIS_CONFIG_INVALID'

    throw new FerrisError(code, `Schema registry ${method} ${where} answered HTTP ${status}${detail}`, {
      subject: 'schema_registry_url',
      value: status,
      hint:
        status === 401 || status === 403
          ? 'Check schema_registry_username and schema_registry_password'
          : status === 409
            ? "The schema is not compatible with the subject's earlier versions under its compatibility setting"
            : 'Check the schema registry URL, subject and schema id',
    })
  }

  #unexpected(path: string, body: unknown): FerrisError {
    return new FerrisError(
      'FERRIS_SERVER_ERROR',
      `Schema registry ${this.#shown}${path} answered with an unexpected body`,
      {
        value: JSON.stringify(body)?.slice(0, 200),
        retryable: false,
      },
    )
  }
}
