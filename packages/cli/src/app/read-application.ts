import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { FerrisError } from '@ferris/core'

/** The `subject` of errors about the application file itself: a wrong argument, exit code 2. */
export const APPLICATION_FILE = 'application file'

/** Reads an application file, turning every file-system failure into an error that says what to do. */
export async function readApplication(path: string, cwd: string): Promise<{ text: string; path: string }> {
  const full = resolve(cwd, path)
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(full)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new FerrisError(
      code === 'ENOENT' ? 'FERRIS_NOT_FOUND' : 'FERRIS_IO',
      code === 'ENOENT' ? `Application file ${path} does not exist` : `Cannot open application file ${path} (${code})`,
      {
        subject: APPLICATION_FILE,
        value: full,
        hint: 'Pass the path of a .sql file, e.g. ferris run examples/weather/app.sql',
        cause: error,
        retryable: false,
      },
    )
  }
  if (info.isDirectory()) {
    throw new FerrisError('FERRIS_IO', `${path} is a directory, not an application file`, {
      subject: APPLICATION_FILE,
      value: full,
      hint: 'Pass the path of a .sql file inside it',
      retryable: false,
    })
  }
  try {
    return { text: await readFile(full, 'utf8'), path: full }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new FerrisError('FERRIS_IO', `Cannot read application file ${path} (${code ?? 'error'})`, {
      subject: APPLICATION_FILE,
      value: full,
      hint: code === 'EACCES' ? 'Check the file permissions' : 'Check the file is readable',
      cause: error,
      retryable: false,
    })
  }
}

/** Parses repeated `--set key=value` options into properties. */
export function parseSetOptions(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of values) {
    const eq = item.indexOf('=')
    if (eq <= 0) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `--set expects key=value, got ${JSON.stringify(item)}`, {
        value: item,
        expected: "key=value, e.g. --set 'out.path=./out.csv'",
      })
    }
    out[item.slice(0, eq).trim()] = item.slice(eq + 1)
  }

  return out
}
