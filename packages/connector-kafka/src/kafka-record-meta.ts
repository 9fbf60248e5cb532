import type { Header, RecordMeta, Value } from '@ferris/core'
import type { KafkaMessage } from 'kafkajs'
import { headersFromKafka } from './metadata-columns.js'

/**
 * The `RecordMeta` of one Kafka message. Most queries never look at a record's timestamp, offset or headers
 * (they serve HEADER(), error locations and the dead-letter policy), so those are converted from the message
 * only when read: no BigInt and no header array per message on the hot path. The key is decoded anyway (it
 * fills `_key`), so it is kept as decoded. Values stay exact: the offset is parsed from kafkajs's decimal text.
 *
 * Memory: it holds the message kafkajs decoded (its key and value buffers, which `raw` needs anyway).
 */
export class KafkaRecordMeta implements RecordMeta {
  readonly key: Value
  readonly topic: string
  readonly partition: number
  protected readonly message: KafkaMessage
  #headers: readonly Header[] | undefined

  constructor(key: Value, topic: string, partition: number, message: KafkaMessage, headers?: readonly Header[]) {
    this.key = key
    this.topic = topic
    this.partition = partition
    this.message = message
    this.#headers = headers
  }

  get headers(): readonly Header[] {
    this.#headers ??= headersFromKafka(this.message.headers as never)
    return this.#headers
  }

  /** Epoch nanoseconds (Kafka's are milliseconds). */
  get timestamp(): bigint {
    return BigInt(this.message.timestamp) * 1_000_000n
  }

  get offset(): bigint {
    return BigInt(this.message.offset)
  }
}

/** The metadata of a message with a value: `raw` is the value as it arrived (a tombstone has none). */
export class KafkaValueMeta extends KafkaRecordMeta {
  get raw(): Uint8Array {
    return this.message.value!
  }
}

/** The metadata of `message`: with `raw` when it has a value. */
export function kafkaRecordMeta(
  key: Value,
  topic: string,
  partition: number,
  message: KafkaMessage,
  headers?: readonly Header[],
): RecordMeta {
  return message.value === null
    ? new KafkaRecordMeta(key, topic, partition, message, headers)
    : new KafkaValueMeta(key, topic, partition, message, headers)
}
