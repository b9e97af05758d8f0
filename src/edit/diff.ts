import { createTwoFilesPatch } from 'diff';

/** A unified diff of two byte texts, labelled with the file's path. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const label = path.startsWith('/') ? path : `/${path}`;
  return createTwoFilesPatch(`a${label}`, `b${label}`, before, after, undefined, undefined, { context: 3 })
    .replace(/^=+\r?\n/, '');
}
