import type { ScalarFunction } from './function-definition.js'

/** Declares a scalar function; only gives the object literal its type, so each function file reads alike. */
export function defineFunction(fn: ScalarFunction): ScalarFunction {
  return fn
}
