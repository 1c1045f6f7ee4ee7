import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../pipelines/warehouse/database.js';
import { literal } from '../../pipelines/warehouse/sql-text.js';

/**
 * Buyer ids and phone numbers of the warehouse's raw input, as temp table `secrets` on this
 * connection; returns how many there are.
 */
export async function collectSecrets(db: Kysely<Database>): Promise<string[]> {
  await sql`create or replace temp table secrets as
    select member_id as secret from raw.orders union select member_id from raw.members
    union select member_id from raw.campaign_contacts union select phone from raw.orders where phone is not null`.execute(db);
  return (await sql<{ secret: string }>`select secret from secrets`.execute(db)).rows.map((row) => row.secret);
}

/** Tables (or `read_parquet(...)` calls) with a cell equal to a secret, and how many such cells. */
export async function relationsHoldingSecrets(db: Kysely<Database>, relations: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const relation of relations) {
    const { rows } = await sql
      .raw<{ hits: number }>(`
      select count(*) as hits
      from (unpivot (select columns(*)::varchar from ${relation}) on columns(*) into name field value cell) as cells
      inner join secrets on secrets.secret = cells.cell`)
      .execute(db);
    if ((rows[0]?.hits ?? 0) > 0) found.push(`${relation}: ${rows[0]?.hits}`);
  }
  return found;
}

/**
 * Files under dir holding a secret: Parquet files are read as tables (they are compressed); every
 * other file is searched for the secrets as words of its bytes.
 */
export async function filesHoldingSecrets(db: Kysely<Database>, dir: string, secrets: string[]): Promise<string[]> {
  const known = new Set(secrets);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  const parquet = files.filter((file) => file.endsWith('.parquet'));
  const found = await relationsHoldingSecrets(
    db,
    parquet.map((file) => `read_parquet(${literal(file)})`),
  );
  for (const file of files.filter((name) => !name.endsWith('.parquet'))) {
    const words =
      readFileSync(file)
        .toString('latin1')
        .match(/[A-Za-z0-9_]{6,}/g) ?? [];
    const hits = words.filter((word) => known.has(word)).length;
    if (hits > 0) found.push(`${file}: ${hits}`);
  }
  return found;
}
