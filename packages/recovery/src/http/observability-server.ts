import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FerrisError } from '@ferris/core'
import type { HealthRegistry } from '../health/health-registry.js'
import type { FerrisMetrics } from '../metrics/ferris-metrics.js'

export interface ObservabilityServerOptions {
  /** Loopback by default: metrics and health say a lot about a system, so exposing them is a deliberate choice. */
  readonly host?: string
  /** 0 picks a free port (tests); `ferris run --http 127.0.0.1:9464` passes 9464. */
  readonly port: number
  readonly health: HealthRegistry
  readonly metrics: FerrisMetrics
}

export interface ObservabilityServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/**
 * Serves `GET /health` (the aggregated `HealthSnapshot` as JSON; 200 when healthy or degraded, 503 when
 * unhealthy, so a load balancer or Kubernetes probe can act on it) and `GET /metrics` (Prometheus text).
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`)
    })
  })
  await listen(server, host, options.port)
  const port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeAllConnections()
      }),
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ObservabilityServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
    res.end('only GET and HEAD are served\n')
    return
  }
  if (path === '/health') {
    const snapshot = options.health.snapshot()
    const body = `${JSON.stringify(snapshot)}\n`
    res.writeHead(snapshot.status === 'unhealthy' ? 503 : 200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
    return
  }
  if (path === '/metrics') {
    const text = await options.metrics.text()
    res.writeHead(200, { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' })
    res.end(req.method === 'HEAD' ? undefined : text)
    return
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
  res.end('not found: try /health or /metrics\n')
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new FerrisError(
          'FERRIS_CONFIG_INVALID',
          `Cannot serve health and metrics on ${host}:${port}: ${error.message}`,
          {
            subject: '--http',
            value: `${host}:${port}`,
            cause: error,
            hint:
              error.code === 'EADDRINUSE'
                ? 'Another process uses that port: pick another one, e.g. --http 127.0.0.1:9465'
                : 'Give a local address and a free port, e.g. --http 127.0.0.1:9464',
          },
        ),
      )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
