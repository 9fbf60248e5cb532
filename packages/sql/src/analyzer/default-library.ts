import type { BindContext } from '../functions/function-definition.js'
import { functionLibrary } from '../functions/index.js'
import type { OperatorLibrary } from './operator-library.js'

/** The built-in functions and operators of `functions/`, bound in the session time zone when one is given. */
export function defaultLibrary(bindContext?: BindContext): OperatorLibrary {
  return functionLibrary(bindContext === undefined ? {} : { bindContext })
}
