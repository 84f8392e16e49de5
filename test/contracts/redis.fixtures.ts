/**
 * Helpers for suites that run against the real Redis at REDIS_URL: a key prefix of their own
 * (parallel files never collide), removal of everything under it, and a TCP proxy that can
 * cut the connection to simulate Redis going away and coming back.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export function testKeyPrefix(): string {
  return `inkframe-test-${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the prefix. */
export async function dropKeys(url: string, prefix: string): Promise<void> {
  const raw = new Redis(url, { lazyConnect: true });
  try {
    await raw.connect();
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await raw.del(...keys);
    } while (cursor !== '0');
  } finally {
    raw.disconnect();
  }
}

/** Kills the server side of every connection named `name` (CLIENT SETNAME). */
export async function killConnectionsNamed(url: string, name: string): Promise<number> {
  const raw = new Redis(url, { lazyConnect: true });
  try {
    await raw.connect();
    const list = (await raw.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await raw.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    raw.disconnect();
  }
}

export interface RedisProxy {
  /** redis://127.0.0.1:<port> through the proxy. */
  url: string;
  /** Stops listening and drops every open connection: Redis is "down". */
  cut(): Promise<void>;
  /** Listens again on the same port: Redis is "back". */
  restore(): Promise<void>;
  close(): Promise<void>;
  /** Client connections open through the proxy now. */
  openConnections(): number;
}

/** A TCP proxy in front of the Redis at `url`. */
export async function startRedisProxy(url: string): Promise<RedisProxy> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const makeServer = () =>
    net.createServer((client) => {
      clients.add(client);
      client.on('close', () => clients.delete(client));
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  let server = makeServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let listening = true;

  async function cut() {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    async restore() {
      if (listening) return;
      server = makeServer();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      listening = true;
    },
    close: cut,
    openConnections: () => clients.size,
  };
}

/** Polls `check` until it returns a truthy value, or throws after `ms`. */
export async function eventually<T>(check: () => T | Promise<T>, ms = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
