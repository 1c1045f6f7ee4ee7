import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../pipelines/warehouse/database.js';
import { literal } from '../../pipelines/warehouse/sql-text.js';
import { writeFiles } from './write-files.js';

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

// A mobile number of mainland China as a word of its own (1[3-9] and nine digits, perhaps after
// 86), whether or not the input holds it: a phone typed into a wrong column is no phone of raw.*.
const phoneWord = '(86)?1[3-9][0-9]{9}';
// A decimal number is one word, so that the digits after its point (a log-likelihood of
// −9876.13912345678) never read as a phone.
const wordPattern = '[0-9]+\\.[0-9]+|[A-Za-z0-9_]+';

/**
 * Tables (or `read_parquet(...)` calls) with a cell that is a secret, holds one as a word of its
 * own (a reason quoting a buyer id), or holds a phone-like word; and how many such cells.
 */
export async function relationsHoldingSecrets(db: Kysely<Database>, relations: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const relation of relations) {
    const { rows } = await sql
      .raw<{ hits: number }>(`
      with cells as (
        select row_number() over () as cell_id, cell
        from (unpivot (select columns(*)::varchar from ${relation}) on columns(*) into name field value cell)
      ),
      words as (select cell_id, unnest(list_append(regexp_extract_all(cell, '${wordPattern}'), cell)) as word from cells)
      select count(distinct cell_id) as hits
      from words
      where word in (select secret from secrets) or regexp_full_match(word, ${literal(phoneWord)})`)
      .execute(db);
    if ((rows[0]?.hits ?? 0) > 0) found.push(`${relation}: ${rows[0]?.hits}`);
  }
  return found;
}

/**
 * Files under dir holding a secret or a phone-like word: Parquet files are read as tables (they
 * are compressed); every other file is searched for them as words of its bytes.
 */
export async function filesHoldingSecrets(db: Kysely<Database>, dir: string, secrets: string[]): Promise<string[]> {
  const known = new Set(secrets);
  const phone = new RegExp(`^${phoneWord}$`);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  const parquet = files.filter((file) => file.endsWith('.parquet'));
  const found = await relationsHoldingSecrets(
    db,
    parquet.map((file) => `read_parquet(${literal(file)})`),
  );
  for (const file of files.filter((name) => !name.endsWith('.parquet'))) {
    const words = readFileSync(file).toString('latin1').match(new RegExp(wordPattern, 'g')) ?? [];
    const hits = words.filter((word) => known.has(word) || phone.test(word)).length;
    if (hits > 0) found.push(`${file}: ${hits}`);
  }
  return found;
}

/**
 * Input files (a folder) with a phone number and a buyer id of a generated shop (tb_00000002)
 * typed into wrong columns: quarantined, with reasons that quote them in ops.quarantine only.
 */
export function secretsInWrongColumns(): string {
  return writeFiles({
    'orders-typos.csv': [
      'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city',
      'typo1,tb_00000001,2026-11-20 10:00:00,,paid,10.00,0,13912345678,,',
    ].join('\n'),
    'members-typos.csv': ['member_id,joined_at,birth_year', 'tb_00000002,2026-11-20 10:00:00,tb_00000002'].join('\n'),
  });
}
