import { relative, resolve, sep } from 'node:path';

/** Whether path is dir or a file or folder inside it. */
export function isInside(path: string, dir: string): boolean {
  const rest = relative(resolve(dir), resolve(path));
  return rest !== '..' && !rest.startsWith(`..${sep}`);
}
