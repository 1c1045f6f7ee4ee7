import type { Model, ModelTest } from './model.js';

/** A header test as a query returning the offending rows; an empty result passes. */
export function compileTest(model: Model, test: ModelTest): string {
  const relation = model.name;
  const [column = '', ...rest] = test.args;
  switch (test.name) {
    case 'finite':
      // isfinite(NULL) is NULL, so NULL passes: only NaN and ±infinity fail.
      return `select * from ${relation} where not (${test.args.map((arg) => `isfinite(${arg})`).join(' and ')})`;
    case 'not_null':
      return `select * from ${relation} where ${test.args.map((arg) => `${arg} is null`).join(' or ')}`;
    case 'unique':
      return `select ${test.args.join(', ')}, count(*) as occurrences from ${relation} group by all having count(*) > 1`;
    case 'accepted_values':
      return `select * from ${relation} where ${column} not in (${rest.join(', ')})`;
    case 'accepted_range': {
      const [low = '', high = ''] = rest;
      return `select * from ${relation} where ${column} < ${low} or ${column} > ${high}`;
    }
    case 'relationships': {
      const [parent = '', parentColumn = ''] = rest;
      return `select child.* from ${relation} as child
        left join ${parent} as parent on child.${column} = parent.${parentColumn}
        where child.${column} is not null and parent.${parentColumn} is null`;
    }
  }
}

/** The grain is a key: its columns are not null and unique together. */
export function grainTests(model: Model): ModelTest[] {
  if (model.grain.length === 0) return [];
  const columns = model.grain.join(', ');
  return [
    { text: `grain not_null(${columns})`, name: 'not_null', args: model.grain },
    { text: `grain unique(${columns})`, name: 'unique', args: model.grain },
  ];
}
