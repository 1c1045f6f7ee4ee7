import { existsSync, statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WarehouseConfig } from '../config.js';
import { isInside } from '../is-inside.js';
import { lockFailure, lockPathOf } from './warehouse-lock.js';

/** A write that failed for want of space: a full disk (ENOSPC) or a file-size limit (EFBIG, `ulimit -f`). */
export class OutOfSpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfSpaceError';
  }
}

/** The warehouse file cannot be read: truncated, overwritten, or a log DuckDB cannot replay. */
export class DamagedWarehouseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamagedWarehouseError';
  }
}

// DuckDB's and Node's wordings. After a failed checkpoint DuckDB also says the database "has been
// invalidated"; the original error it quotes says why.
const noSpace = /No space left on device|ENOSPC/i;
const tooLarge = /File too large|EFBIG/i;
// Node names the file written last: `copyfile 'from' -> 'to'`; a plain write names none, and the
// lock says which file it was writing.
const writtenFile = [
  /Could not write (?:all bytes to )?file "([^"]+)"/,
  /(?:ENOSPC|EFBIG)[^,]*, \w+ (?:'[^']+' -> )?'([^']+)'/,
  new RegExp(`^${lockFailure} (.+?): `),
];
const damage = [
  /Could not read enough bytes from file/,
  /is not a valid DuckDB database file/,
  /Corrupt database file/,
  /Failure while replaying WAL/,
  /checksum .* does not match/,
];

export const rebuildCommand = 'npm run warehouse -- rebuild';

/**
 * The one-line account of a failure for want of space or of a damaged warehouse file, saying what
 * to do; undefined for any other failure. `published` names what a refresh published before it failed.
 */
export function describeStorageFailure(error: unknown, config: WarehouseConfig, published: string[] = []): Error | undefined {
  if (error instanceof OutOfSpaceError || error instanceof DamagedWarehouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (noSpace.test(message) || tooLarge.test(message)) return outOfSpace(message, config, published);
  if (damage.some((pattern) => pattern.test(message))) return damaged(config.warehousePath, message);
  return undefined;
}

export function damaged(path: string, message: string): DamagedWarehouseError {
  return new DamagedWarehouseError(
    `the warehouse ${path} is damaged (${firstLine(message)}): the loaded files are kept in the archive; ${rebuildCommand} moves the damaged file aside and rebuilds the warehouse from them`,
  );
}

function outOfSpace(message: string, config: WarehouseConfig, published: string[]): OutOfSpaceError {
  const path = writtenFile.map((pattern) => pattern.exec(message)?.[1]).find(Boolean);
  const size = path && existsSync(path) ? `${formatBytes(statSync(path).size)} when it failed` : undefined;
  const limit = tooLarge.test(message) && !noSpace.test(message);
  const why = limit ? 'the file-size limit (ulimit -f) stopped it' : `${formatBytes(freeBytes(path ?? config.dataDir))} free on its disk`;
  const before = publishedBefore(path, config);
  const what = path ? `${roleOf(path, config)} ${path}` : `the data folder ${config.dataDir}`;
  const outcome =
    published.length > 0
      ? `${published.join(' and ')} ${published.length > 1 ? 'were' : 'was'} published but not recorded, so the next refresh publishes again`
      : 'nothing was published; the previous build stands';
  return new OutOfSpaceError(
    `out of space writing ${what} (${[size, why, before].filter(Boolean).join('; ')}): ${outcome}; ${limit ? 'raise the limit' : 'free space'} and run again`,
  );
}

function roleOf(path: string, config: WarehouseConfig): string {
  const inside = (dir: string) => isInside(path, dir);
  if (path === lockPathOf(config.warehousePath)) return 'the lock file';
  if (path.startsWith(config.warehousePath)) return 'the warehouse';
  if (inside(config.tempDirectory)) return 'its temp directory';
  if (inside(join(config.dataDir, 'published'))) return 'the published file';
  // data/site (the symlink), data/sites/ and data/site-workspace/, where Evidence builds.
  if (path.startsWith(join(config.dataDir, 'site'))) return 'the site';
  if (inside(config.archiveDir)) return 'the archive';
  return 'the file';
}

// The published file the new one replaces: about what the new one needs.
function publishedBefore(path: string | undefined, config: WarehouseConfig): string | undefined {
  const previous = join(config.dataDir, 'published', 'warehouse_marts.duckdb');
  if (!path || roleOf(path, config) !== 'the published file' || !existsSync(previous)) return undefined;
  return `the one published now takes ${formatBytes(statSync(previous).size)}`;
}

function freeBytes(path: string): number {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
