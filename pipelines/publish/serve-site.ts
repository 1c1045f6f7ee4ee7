import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';

/**
 * Serves the built site. sirv answers HTTP range requests, so the browser reads the parquet
 * files of the site in parts instead of whole.
 */
export function serveSite(dir: string, port: number): Promise<Server> {
  if (!existsSync(join(dir, 'index.html')))
    throw new Error(`no site in ${dir}: build one first (npm start, or npm run warehouse -- refresh)`);
  const handler = sirv(dir, { extensions: ['html'], single: false, dev: false });
  const server = createServer((request, response) =>
    handler(request, response, () => {
      response.statusCode = 404;
      response.end('not found');
    }),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
