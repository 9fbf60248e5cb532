import { ConnectorRegistry, Decimal, Schema, T } from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'

export const ORDERS = Schema.of(
  ['id', T.int64, false],
  ['customer', T.string],
  ['amount', T.decimal(12, 2)],
  ['qty', T.int32],
  ['price', T.float64],
  ['country', T.string],
)

export function orderRows(n: number) {
  return Array.from({ length: n }, (_, i) => [
    9007199254740993n + BigInt(i),
    i % 7 === 0 ? null : `customer-${i}`,
    new Decimal(BigInt(i * 1000 + 5), 2),
    i,
    i * 1.5,
    ['PT', 'DE', 'FR'][i % 3]!,
  ])
}

export function setup() {
  const plugin = memoryPlugin()
  const store = plugin.store
  const registry = new ConnectorRegistry().register(plugin)

  return { store, registry }
}
