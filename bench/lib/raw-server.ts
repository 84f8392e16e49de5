/**
 * The baseline: a bare node:http server that answers a recorded response (status, headers,
 * body bytes) for each registered path, or streams a file from disk for file routes. Nothing
 * else runs per request, so its throughput is the ceiling for Node on this machine.
 *
 * With `--fastify` the same recorded answers come from a Fastify app with the server's logger
 * settings and nothing else (no hooks, no plugins, no database): the framework's own floor,
 * which tells how much of the gap to raw is Fastify's and how much is ours.
 *
 * Runs as a child process on 127.0.0.1; prints its port on stdout. Routes are registered by
 * `POST /__routes` with `{ method, url, status, headers, body_base64 | file }`.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { loggerOptions } from '../../src/http/logging.js';
import { lazyChildLoggerFactory } from '../../src/http/request-logger.js';

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

interface RouteSpec {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body_base64?: string;
  file?: string;
}

function addRoute(spec: RouteSpec): void {
  routes.set(`${spec.method} ${spec.url}`, {
    status: spec.status,
    headers: spec.headers,
    ...(spec.body_base64 !== undefined ? { body: Buffer.from(spec.body_base64, 'base64') } : {}),
    ...(spec.file ? { file: spec.file } : {}),
  });
}

async function startFastifyFloor(): Promise<void> {
  const app = Fastify({ logger: loggerOptions('warn'), childLoggerFactory: lazyChildLoggerFactory, bodyLimit: 16 * 1048576 });
  // Bodies of any type are read to the end as buffers, as the real server reads its bodies.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/__routes', async (request, reply) => {
    // Registered with a JSON body, which Fastify has already parsed.
    addRoute(request.body as RouteSpec);
    return reply.code(204).send();
  });
  app.all('/*', async (request, reply) => {
    const route = routes.get(`${request.method} ${request.url}`);
    if (!route) return reply.code(404).send();
    reply.code(route.status).headers(route.headers);
    return reply.send(route.file ? createReadStream(route.file) : route.body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__routes') {
    void readBody(req).then((raw) => {
      addRoute(JSON.parse(raw.toString()) as RouteSpec);
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

if (process.argv.includes('--fastify')) {
  await startFastifyFloor();
} else {
  server.keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
