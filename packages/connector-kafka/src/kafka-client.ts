import kafkajs, { type Kafka, type KafkaConfig } from 'kafkajs'

/**
 * What the connector needs of a kafkajs client. Tests pass a double (`createClient`) to drive error paths
 * without a broker; everything else gets the real `Kafka` class.
 */
export type KafkaClient = Pick<Kafka, 'consumer' | 'producer' | 'admin'>
export type CreateKafkaClient = (config: KafkaConfig) => KafkaClient

// kafkajs is CommonJS: Node's ESM loader sees only its default export.
export const createKafkaClient: CreateKafkaClient = (config) => new kafkajs.Kafka(config)

/** Sleeps `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
