import { describe, expect, it } from 'vitest'
import { FerrisMetrics } from '../../src/metrics/ferris-metrics.js'

/** The value of one sample line of the text exposition, e.g. `ferris_records_in_total{job="j",source="a"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))

  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('[recovery] FerrisMetrics', () => {
  it('exports what the engine reports with the job label', async () => {
    const m = new FerrisMetrics({ job: 'totals' })
    m.recordsIn('orders', 100)
    m.recordsIn('orders', 50)
    m.recordsOut('out', 120)
    m.badRecords('orders', 'skipped', 3)
    m.retries('out')
    m.breakerState('out', 'half_open')
    m.watermarkLag('orders', 2.5)
    m.consumerLag('orders', 3, 1_234)
    m.checkpointDuration(0.2)
    const text = await m.text()
    expect(sample(text, 'ferris_records_in_total{job="totals",source="orders"}')).toBe(150)
    expect(sample(text, 'ferris_records_out_total{job="totals",sink="out"}')).toBe(120)
    expect(sample(text, 'ferris_bad_records_total{job="totals",origin="orders",action="skipped"}')).toBe(3)
    expect(sample(text, 'ferris_retries_total{job="totals",endpoint="out"}')).toBe(1)
    expect(sample(text, 'ferris_breaker_state{job="totals",endpoint="out"}')).toBe(2)
    expect(sample(text, 'ferris_watermark_lag_seconds{job="totals",source="orders"}')).toBe(2.5)
    expect(sample(text, 'ferris_consumer_lag{job="totals",source="orders",partition="3"}')).toBe(1_234)
    expect(sample(text, 'ferris_checkpoint_duration_seconds_count{job="totals"}')).toBe(1)
    expect(sample(text, 'ferris_checkpoint_duration_seconds_bucket{le="0.25",job="totals"}')).toBe(1)
    expect(m.contentType).toContain('text/plain')
  })

  it('maps the names a connector counts to the job metrics and keeps its own under ferris_connector_', async () => {
    const m = new FerrisMetrics({ job: 'j' })
    const orders = m.forEndpoint('orders')
    orders.count('records_in', 10)
    orders.count('bad_records', 1, { origin: 'orders', action: 'dead_lettered' })
    orders.count('retries', 1, { endpoint: 'orders' })
    orders.gauge('breaker_state', 1, { endpoint: 'orders' })
    orders.gauge('consumer_lag', 7, { partition: '0' })
    orders.count('bytes.read', 4096, { file: 'a.csv' })
    orders.count('bytes.read', 10, { file: 'b.csv', extra: 'dropped' })
    orders.gauge('open_files', 2)
    orders.observe('decode_seconds', 0.01)
    const text = await m.text()
    expect(sample(text, 'ferris_records_in_total{job="j",source="orders"}')).toBe(10)
    expect(sample(text, 'ferris_bad_records_total{job="j",origin="orders",action="dead_lettered"}')).toBe(1)
    expect(sample(text, 'ferris_retries_total{job="j",endpoint="orders"}')).toBe(1)
    expect(sample(text, 'ferris_breaker_state{job="j",endpoint="orders"}')).toBe(1)
    expect(sample(text, 'ferris_consumer_lag{job="j",source="orders",partition="0"}')).toBe(7)
    expect(sample(text, 'ferris_connector_bytes_read_total{job="j",endpoint="orders",file="a.csv"}')).toBe(4096)
    expect(sample(text, 'ferris_connector_bytes_read_total{job="j",endpoint="orders",file="b.csv"}')).toBe(10)
    expect(sample(text, 'ferris_connector_open_files{job="j",endpoint="orders"}')).toBe(2)
    expect(sample(text, 'ferris_connector_decode_seconds_count{job="j",endpoint="orders"}')).toBe(1)
  })

  it('bounds the number of connector-defined metrics and counts what it drops', async () => {
    const m = new FerrisMetrics({ job: 'j', maxCustomMetrics: 2 })
    const c = m.forEndpoint('x')
    c.count('a')
    c.count('b')
    c.count('c')
    c.gauge('a_total', 1)
    const text = await m.text()
    expect(text).not.toContain('ferris_connector_c_total')
    expect(sample(text, 'ferris_metrics_dropped_total{job="j"}')).toBe(2)
  })

  it('keeps registries of two jobs apart', async () => {
    const a = new FerrisMetrics({ job: 'a' })
    const b = new FerrisMetrics({ job: 'b', processMetrics: true })
    a.recordsIn('s', 1)
    expect(await b.text()).not.toContain('job="a"')
    expect(await b.text()).toContain('ferris_process_')
  })
})
