import type { Admin } from 'kafkajs'
import { RETRY } from './client-config.js'
import type { KafkaClient } from './kafka-client.js'

/**
 * The admin client a source or sink holds from `open` to `close`. Opening is idempotent: the job opens a
 * connector that schema discovery already opened, and a second admin client would replace the first without
 * disconnecting it (one socket left open keeps the process alive after the job ends). A failed open is
 * forgotten, so the next call tries again.
 */
export class AdminConnection {
  readonly #client: KafkaClient
  #admin: Admin | undefined
  #opening: Promise<void> | undefined

  constructor(client: KafkaClient) {
    this.#client = client
  }

  /** Connects a new admin client and runs `setUp` with it, once until `close` or a failure. */
  open(setUp: (admin: Admin) => Promise<void>): Promise<void> {
    this.#opening ??= this.#open(setUp).catch(async (error: unknown) => {
      this.#opening = undefined
      const admin = this.#admin
      this.#admin = undefined
      await admin?.disconnect().catch(() => {})
      throw error
    })

    return this.#opening
  }

  async #open(setUp: (admin: Admin) => Promise<void>): Promise<void> {
    const admin = this.#client.admin({ retry: RETRY })
    this.#admin = admin
    await setUp(admin)
  }

  /** The admin client once `open` has resolved. */
  get admin(): Admin | undefined {
    return this.#admin
  }

  /** Idempotent; an open still in flight would create its admin after we looked: wait for it, then disconnect. */
  async close(): Promise<void> {
    await this.#opening?.catch(() => {})
    this.#opening = undefined
    const admin = this.#admin
    this.#admin = undefined
    await admin?.disconnect().catch(() => {})
  }
}
