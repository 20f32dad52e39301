/**
 * A small static file server for the built web page (`npm run web`, the browser test): GET and
 * HEAD under one folder, with the content types browsers insist on (application/wasm for
 * streaming compilation) and Content-Length (the page's download progress).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.safetensors': 'application/octet-stream',
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:40123/ */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const send = (res: import('node:http').ServerResponse, status: number, text: string): void => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
};

/** Serves `root` on host:port (port 0: any free one). Only loopback by default. */
export const serveStatic = (root: string, opts: { port?: number; host?: string } = {}): Promise<StaticServer> => {
  const base = path.resolve(root);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n');
      let rel: string;
      try {
        rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      } catch {
        return send(res, 400, 'bad path\n');
      }
      let file = path.join(base, rel);
      if (file !== base && !file.startsWith(base + path.sep)) return send(res, 403, 'outside the served folder\n');
      let st = await stat(file).catch(() => undefined);
      if (st?.isDirectory()) {
        file = path.join(file, 'index.html');
        st = await stat(file).catch(() => undefined);
      }
      if (!st?.isFile()) return send(res, 404, `not found: ${rel}\n`);
      res.writeHead(200, {
        'content-type': types[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    })().catch(() => send(res, 500, 'server error\n'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        url: `http://${host}:${a.port}/`,
        server,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
};
