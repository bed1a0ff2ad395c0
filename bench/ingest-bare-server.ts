/**
 * The ceiling of `npm run bench -- ingest`: a bare node:http server in its own process, as the real
 * server runs in its own, answering every request with 200 `{}` once it has read the body. It listens
 * on loopback, on a free port it tells the parent over IPC. Keep-alive settings are node:http's defaults,
 * as in the real server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

if (require.main === module) {
  if (!process.send) throw new Error('ingest-bare-server.js is a child process of `npm run bench -- ingest`');
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': 2 });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => server.close(() => process.exit(0)));
}
