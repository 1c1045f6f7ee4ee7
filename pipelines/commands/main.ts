import { defineCommand } from 'citty';
import { loadConfig } from '../config.js';
import { runMainJob } from '../refresh/main-job.js';
import { log } from './command-options.js';

export default defineCommand({
  meta: { name: 'main', description: 'the main job on the embedded default: sample shop → warehouse → tests → report site' },
  run: () => runMainJob(loadConfig(), log),
});
