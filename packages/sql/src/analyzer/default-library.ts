import { interimLibrary } from './interim-library.js'
import type { OperatorLibrary } from './operator-library.js'

/** The functions and operators a query is bound with when the caller names no other library. */
export function defaultLibrary(): OperatorLibrary {
  return interimLibrary
}
