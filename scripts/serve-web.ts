/**
 * `npm run web [-- --port P] [build-web options]`: builds the web page into dist-web/ and serves
 * it on localhost (default port 8080; 0 picks a free one), printing the address. Ctrl-C stops it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildWebCli } from './build-web.ts';
import { serveStatic } from './static-server.ts';

const argv = process.argv.slice(2);
const at = argv.indexOf('--port');
const port = at >= 0 ? Number(argv[at + 1]) : 8080;
const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;

try {
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new BuildError(`serve-web: --port expects a port number (0 for any free one), got '${argv[at + 1]}'`);
  const built = await buildWebCli(rest.includes('--out') ? rest : ['--out', path.join(fileURLToPath(new URL('..', import.meta.url)), 'dist-web'), ...rest]);
  const s = await serveStatic(built.outDir, { port, host: '127.0.0.1' }).catch((e: NodeJS.ErrnoException) => {
    throw new BuildError(e.code === 'EADDRINUSE' ? `serve-web: port ${port} is in use; pass --port N (or --port 0 for any free one)` : `serve-web: cannot listen: ${e.message}`);
  });
  console.log(`\ndetailflow web page: ${s.url.replace('127.0.0.1', 'localhost')}  (serving ${built.outDir}; Ctrl-C stops)`);
  const stop = (): void => void s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error(e instanceof BuildError ? e.message : e);
  process.exit(1);
}
