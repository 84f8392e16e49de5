/**
 * The baseline: a bare node:http server that answers a recorded response (status, headers,
 * body bytes) for each registered path, or streams a file from disk for file routes. Nothing
 * else runs per request, so its throughput is the ceiling for Node on this machine.
 *
 * Runs as a child process on 127.0.0.1; prints its port on stdout. Routes are registered by
 * `POST /__routes` with `{ method, url, status, headers, body_base64 | file }`.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Route {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
  file?: string;
}

const routes = new Map<string, Route>();

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(route: Route, res: ServerResponse): void {
  res.writeHead(route.status, route.headers);
  if (route.file) createReadStream(route.file).pipe(res);
  else res.end(route.body);
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__routes') {
    void readBody(req).then((raw) => {
      const spec = JSON.parse(raw.toString()) as { method: string; url: string; status: number; headers: Record<string, string>; body_base64?: string; file?: string };
      routes.set(`${spec.method} ${spec.url}`, {
        status: spec.status,
        headers: spec.headers,
        ...(spec.body_base64 !== undefined ? { body: Buffer.from(spec.body_base64, 'base64') } : {}),
        ...(spec.file ? { file: spec.file } : {}),
      });
      res.writeHead(204).end();
    });
    return;
  }
  const route = routes.get(`${req.method} ${req.url}`);
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  // A request body is read to the end, as the real server does, before answering.
  if (req.method === 'GET' || req.method === 'HEAD') answer(route, res);
  else {
    req.on('data', () => undefined);
    req.on('end', () => answer(route, res));
  }
});

server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
