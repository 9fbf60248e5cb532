// Parsing

// Analysis
export type { BoundExpr, MetaField } from './analyzer/bound-expr.js'
export { defaultLibrary } from './analyzer/default-library.js'
export type { EndpointRef, JobSettings } from './analyzer/endpoints.js'
export type { ArithmeticOp, ComparisonOp, OperatorLibrary } from './analyzer/operator-library.js'
// Execution
export { type CompiledExpr, compileExpression, type MutableEvalContext } from './execution/compile-expression.js'
export { type Operator, Pipeline, type PipelineBatch, type RowErrorHandler } from './execution/operators.js'
export { TableState } from './execution/table-state.js'
// Jobs
export { type Checkpoint, CheckpointStore } from './job/checkpoint-store.js'
export type { Observability } from './job/job-observability.js'
export type { ApplicationProgress, JobProgress } from './job/progress.js'
export {
  type ApplicationResult,
  type JobResult,
  type RunApplicationOptions,
  runApplication,
} from './job/run-application.js'
export { tokenize } from './lexer/lexer.js'
export type { Token, TokenKind } from './lexer/token.js'
export type * from './parser/ast.js'
export { type ParseOptions, parse, parseExpression } from './parser/parser.js'
export { type LineColumn, SourceText, type Span } from './parser/source-text.js'
export { explain, explainJob } from './planner/explain.js'
// Planning
export type { ApplicationPlan, JobPlan, PlanNode, SinkTarget } from './planner/logical-plan.js'
export { type PlanOptions, plan } from './planner/planner.js'
