// The data-only rebuild that `evidence build:data` runs in .evidence/template (see
// patch-evidence.js): the pages of the last `evidence build` prerendered again on the data that
// `evidence sources` just extracted, then written out by the same adapter. The server and client
// bundles are reused as they are; they read the data at run time (static/data/manifest.json).
// The caller makes sure the pages, their settings and the packages are those of that build.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as devalue from 'devalue';

const out = '.svelte-kit/output';
const inputs = join(out, 'prerender-inputs.devalue');
if (!existsSync(inputs)) {
  console.error(`Error: no ${inputs}: run evidence build first`);
  process.exit(1);
}
const kit = (path) => import(pathToFileURL(join(import.meta.dirname, '../node_modules/@sveltejs/kit/src', path)).href);
const { default: prerender } = await kit('core/postbuild/prerender.js');
const { adapt } = await kit('core/adapt/index.js');
const { load_config } = await kit('core/config/index.js');
const { logger } = await kit('core/utils.js');
const { get_env } = await kit('exports/vite/utils.js');

const { build_data, metadata } = devalue.parse(readFileSync(inputs, 'utf8'));
const config = await load_config();
const mode = 'production';
const env = get_env(config.kit.env, mode);
// Vite copied static/ into the client output when it bundled: its data folder is replaced.
rmSync(join(out, 'client/data'), { recursive: true, force: true });
cpSync('static/data', join(out, 'client/data'), { recursive: true });
rmSync(join(out, 'prerendered'), { recursive: true, force: true });
const { prerendered, prerender_map } = await prerender({
  out,
  manifest_path: join(out, 'server/manifest-full.js'),
  metadata,
  verbose: false,
  env: { ...env.private, ...env.public },
});
await adapt(config, build_data, metadata, prerendered, prerender_map, logger({ verbose: false }), { mode });
