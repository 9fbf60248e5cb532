// The mapping from options to a format lives in @ferris/formats (`formatOf`), shared with the S3 connector.
// These names stay only for the source reader, which still imports them; new code imports `formatOf`.
export { formatOf as fileFormat, type ResolvedFormat as FileFormat } from '@ferris/formats'
