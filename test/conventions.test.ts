import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverModels } from '../pipelines/build/discover-models.js';
import type { Model } from '../pipelines/build/model.js';
import { withWarehouse } from './helpers/temp-warehouse.js';
import { repoDir } from './helpers/temp-project.js';

let models: Model[] = [];

beforeAll(async () => {
  // discoverModels also parses every header: an unknown key or test fails here.
  models = await withWarehouse(({ db }) => discoverModels(db, join(repoDir, 'models'), repoDir));
});

const readsFrom = (model: Model) => [...new Set(model.dependsOn.map((name) => name.split('.')[0]))].sort();

describe('model conventions', () => {
  it('finds the models', () => {
    expect(models.map((model) => model.name)).toContain('marts.member_facts');
  });

  it('gives every model a description and a grain', () => {
    const missing = models.filter((model) => model.description === '' || model.grain.length === 0).map((model) => model.file);
    expect(missing).toEqual([]);
  });

  it('names files after their layer: stg_ in staging, int_ in intermediate, no prefix in marts', () => {
    const misnamed = models.filter((model) =>
      (model.schema === 'staging' && !model.table.startsWith('stg_'))
      || (model.schema === 'intermediate' && !model.table.startsWith('int_'))
      || (model.schema === 'marts' && /^(stg|int)_/.test(model.table))).map((model) => model.file);
    expect(misnamed).toEqual([]);
  });

  it('keeps the layers: staging reads only raw and seeds; intermediate and marts never read raw', () => {
    const allowed: Record<string, string[]> = {
      staging: ['raw', 'seeds'],
      intermediate: ['staging', 'intermediate', 'seeds'],
      marts: ['staging', 'intermediate', 'marts', 'seeds'],
    };
    const violations = models.flatMap((model) => readsFrom(model)
      .filter((schema) => !allowed[model.schema]?.includes(schema ?? ''))
      .map((schema) => `${model.file} reads ${schema}`));
    expect(violations).toEqual([]);
  });

  it('keeps the protected contacts table out of every mart and intermediate model', () => {
    const readers = models.filter((model) => model.dependsOn.includes('staging.stg_member_contacts')).map((model) => model.file);
    expect(readers).toEqual([]);
  });

  it('keeps models deterministic: no wall clock, no randomness', () => {
    const offending = models.filter((model) => /\b(current_date|current_timestamp|now\(\)|today\(\)|random\(\)|uuid\(\)|gen_random_uuid)/i.test(model.sql))
      .map((model) => model.file);
    expect(offending).toEqual([]);
  });

  it('ends every model with select * from its last CTE', () => {
    const offending = models.filter((model) => !/\nselect \* from [a-z_]+\s*$/.test(model.sql)).map((model) => model.file);
    expect(offending).toEqual([]);
  });
});
