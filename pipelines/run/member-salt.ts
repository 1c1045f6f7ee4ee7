import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WarehouseConfig } from '../config.js';

// Member keys must stay stable across runs, so a generated salt is kept beside the warehouse,
// readable by its owner only (a file others could read is narrowed).
export function memberSalt(config: WarehouseConfig): string {
  if (config.memberSalt) return config.memberSalt;
  const path = join(config.dataDir, 'member_salt');
  if (!existsSync(path)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(path, randomBytes(24).toString('hex'), { mode: 0o600 });
  } else if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}
