// The mapping from options to a format lives in @ferris/formats (`formatOf`), shared with the file connector.
// These names stay only for the source reader, which still imports them; new code imports `formatOf`.
export { formatOf as objectFormat, type ResolvedFormat as ObjectFormat } from '@ferris/formats'
