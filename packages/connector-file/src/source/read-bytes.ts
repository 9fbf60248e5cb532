import { createReadStream } from 'node:fs'
import { FerrisError } from '@ferris/core'
import { type Compression, decompress } from '@ferris/formats'

/** Chunk size for reading files: big enough to amortise syscalls, small enough to keep a batch's memory low. */
export const READ_CHUNK = 256 * 1024

/** The raw bytes of `path` from byte `start` to its current end. */
export async function* fileBytes(path: string, start = 0): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { start, highWaterMark: READ_CHUNK })
  try {
    for await (const chunk of stream) yield chunk as Uint8Array
  } catch (error) {
    throw ioError(error, path)
  } finally {
    stream.destroy()
  }
}

/** The decompressed bytes of `path` from the start. */
export function fileContent(path: string, compression: Compression): AsyncGenerator<Uint8Array> {
  return decompress(fileBytes(path), compression, path)
}

export function ioError(error: unknown, path: string): FerrisError {
  const e = error as NodeJS.ErrnoException
  if (e.code === 'ENOENT') {
    return new FerrisError('FERRIS_NOT_FOUND', `File ${path} does not exist`, {
      subject: path,
      hint: 'Check the path option',
      cause: error,
    })
  }
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    return new FerrisError('FERRIS_AUTHORIZATION_FAILED', `File ${path} cannot be read: permission denied`, {
      subject: path,
      hint: 'Give the user running Ferris read access to it',
      cause: error,
    })
  }
  if (e.code === 'EISDIR') {
    return new FerrisError('FERRIS_IO', `${path} is a directory`, { subject: path, cause: error })
  }

  return new FerrisError('FERRIS_IO', `Cannot read ${path}: ${e.message}`, { subject: path, cause: error })
}
