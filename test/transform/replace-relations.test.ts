import { describe, expect, it } from 'vitest';
import { replaceRelations } from '../../pipelines/transform/replace-relations.js';

describe('replacing relations in a query', () => {
  it("replaces plain schema.table references only, never in literals, quoted identifiers or comments, nor a longer name's prefix", () => {
    const replacements = new Map([
      ['intermediate.int_a', 'intermediate._next_int_a'],
      ['staging.stg_b', '_changed_b'],
    ]);
    const query = [
      "-- reads intermediate.int_a's rows",
      "select 'intermediate.int_a' as name, x.*, staging.stg_b.k",
      'from intermediate.int_a as x',
      'join staging.stg_b using (k) join intermediate.int_a_more using (k) join other.intermediate.int_a using (k)',
      'join "intermediate"."int_a" as q using (k) /* staging.stg_b */',
      "where x.note <> 'it''s intermediate.int_a'",
    ].join('\n');
    expect(replaceRelations(query, replacements)).toBe(
      [
        "-- reads intermediate.int_a's rows",
        "select 'intermediate.int_a' as name, x.*, _changed_b.k",
        'from intermediate._next_int_a as x',
        'join _changed_b using (k) join intermediate.int_a_more using (k) join other.intermediate.int_a using (k)',
        'join "intermediate"."int_a" as q using (k) /* staging.stg_b */',
        "where x.note <> 'it''s intermediate.int_a'",
      ].join('\n'),
    );
  });

  it('leaves a query as it is without replacements', () => {
    expect(replaceRelations('select * from staging.stg_b', new Map())).toBe('select * from staging.stg_b');
  });
});
