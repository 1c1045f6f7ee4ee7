import { defineCommand } from 'citty';
import { loadConfig } from '../config.js';
import { siteDir } from '../publish/build-site.js';
import { serveSite } from '../publish/serve-site.js';
import { log } from './command-options.js';

export default defineCommand({
  meta: { name: 'serve', description: 'serve the built report site on localhost' },
  args: { port: { type: 'string', description: 'port', default: '4173' } },
  run: async ({ args }) => {
    const dir = siteDir(loadConfig());
    await serveSite(dir, Number(args.port));
    log(`serving ${dir} at http://127.0.0.1:${args.port}/ (Ctrl-C to stop)`);
  },
});
