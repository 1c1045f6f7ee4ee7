#!/usr/bin/env node
// The CLI as JavaScript compiled from pipelines/ (compiled again first when a source changed), so a
// start does not transpile TypeScript.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledPipelines } from './compiled-pipelines.mjs';

const built = await compiledPipelines().catch((error) => {
  // esbuild's message names the file and line at fault.
  console.error(error.message);
  process.exit(1);
});
await import(pathToFileURL(join(built, 'cli.js')).href);
