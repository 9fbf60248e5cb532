import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request the double answered: method, path and the Authorization header it carried. */
export interface RegistryRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
}

export interface SchemaRegistryDouble {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Registered schema texts; the id of `schemas[i]` is `i + 1`. */
  readonly schemas: readonly string[]
  /** The subjects schemas were registered under, in order. */
  readonly subjects: readonly string[]
  readonly requests: readonly RegistryRequest[]
  close(): Promise<void>
}

/**
 * A stand-in for a Confluent schema registry on loopback, for tests: it keeps schemas in memory and answers
 * the three calls the Avro codecs make (register under a subject, the latest of a subject, a schema by id)
 * as the Confluent REST API does. Registering a text already known returns its id. Not a registry: no
 * compatibility checks, no versions beyond the latest, no persistence.
 */
export async function startSchemaRegistryDouble(): Promise<SchemaRegistryDouble> {
  const schemas: string[] = []
  const subjects: string[] = []
  const latest = new Map<string, number>()
  const requests: RegistryRequest[] = []
  const server = createServer((req, res) => {
    const path = req.url ?? ''
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization })
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
        res.end(JSON.stringify(value))
      }
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(path)
      const register = /^\/subjects\/([^/]+)\/versions$/.exec(path)
      const newest = /^\/subjects\/([^/]+)\/versions\/latest$/.exec(path)
      if (req.method === 'GET' && byId !== null) {
        const s = schemas[Number(byId[1]) - 1]
        if (s === undefined) reply(404, { error_code: 40403, message: 'Schema not found' })
        else reply(200, { schema: s })
      } else if (req.method === 'POST' && register !== null) {
        const subject = decodeURIComponent(register[1]!)
        const s = (JSON.parse(body) as { schema: string }).schema
        let id = schemas.indexOf(s) + 1
        if (id === 0) id = schemas.push(s)
        subjects.push(subject)
        latest.set(subject, id)
        reply(200, { id })
      } else if (req.method === 'GET' && newest !== null) {
        const subject = decodeURIComponent(newest[1]!)
        const id = latest.get(subject)
        if (id === undefined) reply(404, { error_code: 40401, message: `Subject '${subject}' not found.` })
        else reply(200, { subject, version: 1, id, schema: schemas[id - 1] })
      } else {
        reply(500, { error_code: 50001, message: `the double does not answer ${req.method} ${path}` })
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    schemas,
    subjects,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
