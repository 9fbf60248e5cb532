import { FerrisError } from '../errors/ferris-error.js'
import type { OptionSchema, OptionSpec, OptionValue, OptionValues } from './option-schema.js'
import { type ValidateOptionsContext, validateOptions } from './validate-options.js'

/**
 * Builds a connector's options in code. Values are written back into the text form a WITH clause would
 * hold and go through `validateOptions`, so code and SQL can never disagree on defaults, coercion or errors.
 *
 * ```ts
 * const options = connectorOptions(fileOptions).set('path', './in.csv').set('header', true).build('orders')
 * ```
 */
export class OptionsBuilder<S extends OptionSchema> {
  readonly #schema: S
  readonly #raw: Record<string, string> = {}

  constructor(schema: S) {
    this.#schema = schema
  }

  /** Sets an option from its typed value (`30_000` for a duration in ms) or from its text (`'30s'`). */
  set<K extends keyof S & string>(name: K, value: OptionValue<S[K]> | string): this {
    const spec: OptionSpec | undefined = this.#schema[name]
    if (typeof value === 'string' || spec === undefined) {
      this.#raw[name] = String(value)

      return this
    }
    if (spec.type === 'map') {
      for (const [key, entry] of Object.entries(value as Readonly<Record<string, string>>)) {
        this.#raw[`${name}.${key}`] = entry
      }

      return this
    }
    if (spec.type === 'list') {
      const items = value as readonly string[]
      const bad = items.find((item) => item.includes(','))
      if (bad !== undefined) {
        throw new FerrisError(
          'FERRIS_CONFIG_INVALID',
          `${name}: list items cannot contain a comma, got ${JSON.stringify(bad)}`,
          {
            subject: name,
            value: bad,
            expected: 'items without commas',
            hint: 'Split the item, or use a string option for text with commas',
          },
        )
      }
      this.#raw[name] = items.join(',')

      return this
    }
    this.#raw[name] = String(value)

    return this
  }

  /** Sets options from their text, as a WITH clause or connection string gives them (aliases and `map.key` entries too). */
  merge(raw: Readonly<Record<string, string>>): this {
    Object.assign(this.#raw, raw)

    return this
  }

  /** The text form of what was set: what `validateOptions` will see. */
  toRaw(): Record<string, string> {
    return { ...this.#raw }
  }

  /** Validates and returns the typed options; `context` is the subject name or a full validation context. */
  build(context: string | ValidateOptionsContext): OptionValues<S> {
    const ctx = typeof context === 'string' ? { subject: context } : context

    return validateOptions(this.#schema, this.#raw, ctx) as OptionValues<S>
  }
}

export function connectorOptions<const S extends OptionSchema>(schema: S): OptionsBuilder<S> {
  return new OptionsBuilder(schema)
}
