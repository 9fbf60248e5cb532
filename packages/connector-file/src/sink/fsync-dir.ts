import { open } from 'node:fs/promises'

/** Makes renames in a directory durable. Some platforms cannot open a directory for sync; a rename is then as durable as the OS makes it. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r').catch(() => undefined)
  if (h === undefined) return
  try {
    await h.sync()
  } catch {
    // EINVAL/EISDIR on platforms without directory fsync.
  } finally {
    await h.close()
  }
}
