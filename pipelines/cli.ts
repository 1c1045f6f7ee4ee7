#!/usr/bin/env -S node --import=tsx
import { stripVTControlCharacters } from 'node:util';
import { defineCommand, runCommand, runMain } from 'citty';
import { showUsage } from './commands/show-usage.js';
import { logger } from './logger.js';

// Each command lives in commands/<name>.ts and is imported only when it runs.
const commandNames = [
  'load',
  'build',
  'test',
  'refresh',
  'rebuild',
  'query',
  'status',
  'generate',
  'audience',
  'audience-rules',
  'worklists',
  'serve',
  'dev',
  'main',
] as const;

const cli = defineCommand({
  meta: { name: 'warehouse', description: 'member-analytics warehouse' },
  subCommands: Object.fromEntries(
    commandNames.map((name) => [name, () => import(`./commands/${name}.js`).then((module) => module.default)]),
  ),
});

// citty prints usage for --help; everything else runs here so that an error shows its message
// (which names the file at fault) rather than a stack trace, and exits non-zero: 1, or the error's
// own exitCode (2: published without refused inbox files; 3: a publish the guard held).
const rawArgs = process.argv.slice(2);
if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) await runMain(cli, { showUsage });
else {
  await runCommand(cli, { rawArgs }).catch((error: Error & { code?: string; exitCode?: number }) => {
    // citty's own errors (E_…) colour the command name: the log takes plain lines.
    logger.error(error.code?.startsWith('E_') ? `${stripVTControlCharacters(error.message)} (see --help)` : error.message);
    process.exit(error.exitCode ?? 1);
  });
}
