import { type Model, ModelError } from './model.js';

/**
 * Models in an order where every model comes after the models it reads. References into a
 * model schema that name no model are errors; anything else (raw, seeds, ops) is a source.
 */
export function orderModels(models: Model[]): Model[] {
  const byName = new Map(models.map((model) => [model.name, model]));
  for (const model of models) {
    for (const upstream of model.dependsOn) {
      const [schema] = upstream.split('.');
      if (['staging', 'intermediate', 'marts'].includes(schema ?? '') && !byName.has(upstream)) {
        throw new ModelError(model.file, `reads ${upstream}, which is not a model (no models/${upstream.replace('.', '/')}.sql)`);
      }
    }
  }
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, path: Model[]): void => {
    if (state.get(model.name) === 'done') return;
    if (state.get(model.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(model)), model].map((step) => step.file);
      throw new ModelError(model.file, `dependency cycle: ${cycle.join(' -> ')}`);
    }
    state.set(model.name, 'visiting');
    for (const upstream of model.dependsOn) {
      const upstreamModel = byName.get(upstream);
      if (upstreamModel) visit(upstreamModel, [...path, model]);
    }
    state.set(model.name, 'done');
    ordered.push(model);
  };
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(model, []);
  return ordered;
}

/**
 * dbt's selection syntax: `name` selects one model, `name+` adds everything downstream,
 * `+name` everything upstream. A name may omit its schema when the table name is unique.
 */
export function selectModels(ordered: Model[], selectors: string[]): Model[] {
  if (selectors.length === 0) return ordered;
  const selected = new Set<string>();
  for (const selector of selectors) {
    const upstream = selector.startsWith('+');
    const downstream = selector.endsWith('+');
    const model = findModel(ordered, selector.replace(/^\+|\+$/g, ''));
    selected.add(model.name);
    if (upstream) walk(model.name, (name) => ordered.find((m) => m.name === name)?.dependsOn ?? [], selected);
    if (downstream) walk(model.name, (name) => ordered.filter((m) => m.dependsOn.includes(name)).map((m) => m.name), selected);
  }
  return ordered.filter((model) => selected.has(model.name));
}

function findModel(models: Model[], name: string): Model {
  const matches = models.filter((model) => model.name === name || model.table === name);
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) throw new Error(`'${name}' is ambiguous: ${matches.map((m) => m.name).join(', ')}`);
  throw new Error(`no model named '${name}' (models: ${models.map((m) => m.table).join(', ')})`);
}

function walk(start: string, next: (name: string) => string[], seen: Set<string>): void {
  for (const name of next(start)) {
    if (seen.has(name)) continue;
    seen.add(name);
    walk(name, next, seen);
  }
}
