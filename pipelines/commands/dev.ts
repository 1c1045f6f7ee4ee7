import { defineCommand } from 'citty';
import { log, runContext, setArg } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'dev',
    description:
      "the analyst's loop: builds what changed, shows it on Evidence's dev server, and again on every save under models/, seeds/ or reports/; never publishes, never exports audiences",
  },
  args: {
    port: { type: 'string', description: 'the dev server port', default: '3000' },
    set: setArg,
  },
  run: async ({ args }) => {
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port takes a port number, not '${args.port}'`);
    const { loadConfig } = await import('../config.js');
    const { runDevLoop } = await import('../refresh/dev-loop.js');
    const config = loadConfig();
    await runDevLoop(config, { port, resolveContext: () => runContext(config), log });
  },
});
