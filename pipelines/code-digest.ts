import { fileURLToPath } from 'node:url';
import { filesDigest } from './files-digest.js';

const pipelinesDir = fileURLToPath(new URL('.', import.meta.url));

let digest: string | undefined;

/** The pipelines' code as one digest: what a build or a publication was made by. */
export function codeDigest(): string {
  digest ??= filesDigest([pipelinesDir]);
  return digest;
}
