/** `<root><dir>/<prefix>-<tag>-<checkpoint:8>-<seq:4>.<ext>`: the same rows give the same name on a re-run. */
export function objectName(
  root: string,
  dir: string,
  prefix: string,
  tag: string,
  checkpointId: number,
  seq: number,
  ext: string,
): string {
  const base = `${prefix}-${tag}-${String(checkpointId).padStart(8, '0')}-${String(seq).padStart(4, '0')}.${ext}`

  return `${root}${dir === '' ? '' : `${dir}/`}${base}`
}

/** The checkpoint id in a name made by `objectName` for this prefix and tag, or undefined for other keys. */
export function checkpointOf(key: string, prefix: string, tag: string): number | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1)
  const start = `${prefix}-${tag}-`
  if (!base.startsWith(start)) return undefined
  const m = /^(\d{8,})-\d{4,}\./.exec(base.slice(start.length))

  return m === null ? undefined : Number(m[1])
}
