/**
 * The Redis connections every Redis adapter shares: one command connection (denylist, cache,
 * rate-limit counters, publishing events, health) and, on demand, subscriber connections
 * (pub/sub needs a connection of its own).
 *
 * Failing fast: commands are never queued while Redis is unreachable (no offline queue after
 * the first connect), a command in flight when the connection drops gets one resend after a
 * reconnect, and every command times out. Connection-level failures reject with
 * ServiceUnavailableError, so they surface as 503 wherever they reach a request, including
 * inside @fastify/rate-limit, which only sees the client. ioredis keeps reconnecting in the
 * background (capped backoff) and re-subscribes, so the server recovers by itself.
 */
import { Redis, type Command, type RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { ServiceUnavailableError } from '../../errors.js';
import type { LogLevel } from '../../config.js';

export interface RedisConnectionOptions {
  url: string;
  /** Prepended to every key (not to channels); lets deployments and test runs share a server. */
  keyPrefix?: string;
  /** CLIENT SETNAME, to find the connections in CLIENT LIST. */
  connectionName?: string;
  commandTimeoutMs?: number;
  logLevel?: LogLevel;
}

export interface RedisConnection {
  /** The command connection. */
  client: Redis;
  keyPrefix: string;
  log: Logger;
  /** A new connection for SUBSCRIBE, closed with the others. */
  subscriber(): Promise<Redis>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const CONNECTION_FAILURE = /Connection is closed|Stream isn't writeable|Command timed out|max retries per request|^(LOADING|MASTERDOWN|TRYAGAIN|BUSY) /i;

/** Network and availability failures, as opposed to errors in what was asked (WRONGTYPE, script errors). */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return error.name === 'MaxRetriesPerRequestError' || CONNECTION_FAILURE.test(error.message);
}

function unavailable(cause: unknown): ServiceUnavailableError {
  return Object.assign(new ServiceUnavailableError('Redis is unreachable; try again shortly'), { cause });
}

/** A client whose connection failures reject with ServiceUnavailableError. */
class MappedRedis extends Redis {
  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const reject = command.reject;
    command.reject = (error: Error) => reject(isConnectionFailure(error) ? unavailable(error) : error);
    return super.sendCommand(command, stream);
  }
}

export type RedisScript = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

/**
 * A Lua script run with EVALSHA (loaded on first use), keys prefixed like any other command.
 * Without numberOfKeys, the first argument says how many keys follow.
 */
export function defineScript(client: Redis, name: string, lua: string, numberOfKeys?: number): RedisScript {
  if (!(name in client)) client.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  const command = (client as unknown as Record<string, RedisScript>)[name]!;
  return (...args) => command.apply(client, args);
}

/**
 * QUIT (replies already asked for still arrive), then wait for the socket to end; drop it when
 * Redis does not answer within a second. Between reconnection attempts there is no socket,
 * so no 'end' would ever come: just stop reconnecting.
 */
export async function shutRedis(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => connection.once('end', resolve));
  const timer = setTimeout(() => connection.disconnect(), 1_000);
  await connection.quit().catch(() => connection.disconnect());
  await ended;
  clearTimeout(timer);
}

export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

export async function openRedisConnection(options: RedisConnectionOptions): Promise<RedisConnection> {
  const keyPrefix = options.keyPrefix ?? 'inkframe:';
  const log: Logger = pino({ name: 'redis', level: options.logLevel ?? 'info' });
  const redacted = redactRedisUrl(options.url);
  const base: RedisOptions = {
    keyPrefix,
    lazyConnect: true,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    connectTimeout: 3_000,
    commandTimeout: options.commandTimeoutMs ?? 3_000,
    maxRetriesPerRequest: 1,
    // 100 ms, 200 ms, ... then every 2 s, forever: the server waits for Redis to come back.
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2_000),
    // After a failover the old primary turns replica: reconnect and resend.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  const connections: Redis[] = [];

  async function open(name: string): Promise<Redis> {
    const connection = new MappedRedis(options.url, base);
    // Logged once per outage, not once per reconnection attempt.
    let down = false;
    let lastError = '';
    connection.on('error', (error: Error) => void (lastError = error.message));
    connection.on('reconnecting', () => {
      if (down) return;
      down = true;
      log.warn({ connection: name, url: redacted, err: lastError || undefined }, 'redis connection lost; reconnecting');
    });
    connection.on('ready', () => {
      if (!down) return;
      down = false;
      log.info({ connection: name, url: redacted }, 'redis connection restored');
    });
    try {
      await connection.connect();
    } catch (error) {
      connection.disconnect();
      throw new Error(`Redis at ${redacted} is unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Queue nothing from now on: while Redis is away, commands fail at once instead of waiting.
    connection.options.enableOfflineQueue = false;
    connections.push(connection);
    return connection;
  }

  const client = await open('commands');
  let closed = false;
  return {
    client,
    keyPrefix,
    log,
    subscriber: () => open('subscriber'),
    /** A real PING on the command connection, and every subscriber connected (else events are being missed). */
    async ping() {
      return (await client.ping()) === 'PONG' && connections.every((connection) => connection.status === 'ready');
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(connections.map(shutRedis));
    },
  };
}
