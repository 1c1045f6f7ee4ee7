import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Paths and contents of every file under the given files and folders, skipping folders by name. */
export function filesDigest(roots: string[], skipped: string[] = ['node_modules']): string {
  const hash = createHash('sha256');
  const visit = (root: string, path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!skipped.includes(name)) visit(root, join(path, name));
      return;
    }
    hash
      .update(`${relative(root, path)}\0`)
      .update(readFileSync(path))
      .update('\0');
  };
  for (const root of roots) visit(root, root);
  return hash.digest('hex');
}
