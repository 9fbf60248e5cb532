/**
 * A connector declares its options once, with types, defaults and docs. The same declaration validates
 * options from a connection string, `WITH (...)` properties and environment variables, documents them in
 * `ferris connectors`, and types the object the connector's factory receives.
 */
export type OptionSpec =
  | (OptionBase & { readonly type: 'string'; readonly default?: string; readonly pattern?: RegExp })
  | (OptionBase & { readonly type: 'integer'; readonly default?: number; readonly min?: number; readonly max?: number })
  | (OptionBase & { readonly type: 'number'; readonly default?: number; readonly min?: number; readonly max?: number })
  | (OptionBase & { readonly type: 'boolean'; readonly default?: boolean })
  | (OptionBase & { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string })
  /** Milliseconds; accepts `500`, `500ms`, `30s`, `5m`, `1h`, `2d`. */
  | (OptionBase & { readonly type: 'duration'; readonly default?: number })
  /** Bytes; accepts `1048576`, `512kb`, `64mb`, `1gb` (powers of 1024). */
  | (OptionBase & { readonly type: 'size'; readonly default?: number })
  /** A comma-separated list of strings. */
  | (OptionBase & { readonly type: 'list'; readonly default?: readonly string[] })
  /** A key-value map from `prefix.*` keys, e.g. `headers.x-source=web` → `{ 'x-source': 'web' }`. */
  | (OptionBase & { readonly type: 'map'; readonly default?: Readonly<Record<string, string>> })

interface OptionBase {
  readonly doc: string
  readonly required?: boolean
  /** Never printed, logged or put in an error (passwords, tokens, secret keys). */
  readonly secret?: boolean
  /** Other spellings accepted, e.g. `groupId` for `group_id`. */
  readonly aliases?: readonly string[]
  /** Environment variable read when the option is not given, e.g. `AWS_REGION`. */
  readonly env?: string
  /** An example shown in the docs. */
  readonly example?: string
}

export type OptionSchema = Readonly<Record<string, OptionSpec>>

/** The typed value of one option, e.g. `number` for an `integer` or `duration`. */
export type OptionValue<S extends OptionSpec> = S extends { type: 'string' | 'enum' }
  ? string
  : S extends { type: 'integer' | 'number' | 'duration' | 'size' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'list' }
        ? readonly string[]
        : S extends { type: 'map' }
          ? Readonly<Record<string, string>>
          : never

type HasDefault<S> = S extends { default: unknown } ? true : S extends { required: true } ? true : false

/** The validated options object a factory receives, typed from the schema. */
export type OptionValues<S extends OptionSchema> = {
  readonly [K in keyof S as HasDefault<S[K]> extends true ? K : never]: OptionValue<S[K]>
} & {
  readonly [K in keyof S as HasDefault<S[K]> extends true ? never : K]?: OptionValue<S[K]>
}

/** Defines a schema with its literal types kept, so `OptionValues<typeof schema>` is exact. */
export function defineOptions<const S extends OptionSchema>(schema: S): S {
  return schema
}
