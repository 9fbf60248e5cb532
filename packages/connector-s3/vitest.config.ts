import { ferrisVitestConfig } from '../../vitest.shared.ts'

export default ferrisVitestConfig(import.meta.dirname)
