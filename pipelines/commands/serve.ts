import type { AddressInfo } from 'node:net';
import { defineCommand } from 'citty';
import { log } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'serve',
    description:
      "serve the report site, the one the last refresh published, on 127.0.0.1; --host serves it to the LAN with an access token, because the site holds the shop's revenue and member counts",
  },
  args: {
    port: { type: 'string', description: 'port (0: any free one)', default: '4173' },
    host: {
      type: 'string',
      description: 'address to listen on instead of 127.0.0.1 (0.0.0.0: every one); readers then need the access token',
    },
    token: {
      type: 'string',
      description:
        'the access token (16 characters or more), also read from WAREHOUSE_SERVE_TOKEN; with --host and neither, a random one is printed',
    },
  },
  run: async ({ args }) => {
    const { loadConfig } = await import('../config.js');
    const { siteDir } = await import('../publish/build-site.js');
    const { randomToken, serveSite } = await import('../publish/serve-site.js');
    const given = args.token ?? process.env.WAREHOUSE_SERVE_TOKEN;
    if (given !== undefined && given.length < 16)
      throw new Error(
        '--token (or WAREHOUSE_SERVE_TOKEN) is shorter than 16 characters: set a longer one, or leave it out for a random one',
      );
    const host = args.host ?? '127.0.0.1';
    const token = given ?? (args.host === undefined ? undefined : randomToken());
    const dir = siteDir(loadConfig());
    const server = await serveSite(dir, Number(args.port), { host, token });
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}/`;
    // A token set by the operator is not written to the log; a random one has to be.
    log(`serving ${dir} at ${token === given ? url : `${url}?token=${token}`} (Ctrl-C to stop)`);
  },
});
