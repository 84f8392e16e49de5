import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { type LazyChildLogger, lazyChildLoggerFactory } from '../../src/http/request-logger.js';
import { loggerOptions } from '../../src/http/logging.js';
import { buildApp } from '../../src/app.js';
import { createContainer } from '../../src/container.js';
import { loadConfig } from '../../src/config.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const options = loggerOptions(level as never) as pino.LoggerOptions;
  const parent = pino(options, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  let children = 0;
  const counting = Object.create(parent) as typeof parent;
  counting.child = ((bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => {
    children += 1;
    return parent.child(bindings, childOptions);
  }) as unknown as typeof parent.child;
  return { lines, parent: counting, children: () => children };
}

const lazy = (parent: pino.Logger, bindings: pino.Bindings = { reqId: 'req-1' }, options: pino.ChildLoggerOptions = {}) =>
  lazyChildLoggerFactory.call(undefined as never, parent as unknown as FastifyBaseLogger, bindings, options, undefined as never) as unknown as LazyChildLogger;

describe('lazy request logger', () => {
  it('builds no child while nothing is written at an enabled level', () => {
    const { lines, parent, children } = capture('warn');
    const log = lazy(parent);
    log.setBindings({ trace_id: 'abc' });
    log.info('incoming request');
    log.debug({ a: 1 }, 'details');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    expect(log.level).toBe('warn');
  });

  it('writes enabled lines with every binding, set before or after the child exists, and still redacts', () => {
    const { lines, parent, children } = capture('info');
    const log = lazy(parent);
    log.setBindings({ trace_id: 'abc' });
    log.info({ password: 'hunter2', user: { password: 'x' } }, 'first');
    log.setBindings({ user_id: 'u1' });
    log.error('second');
    expect(children()).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'req-1', trace_id: 'abc', msg: 'first', user: { password: '[redacted]' } });
    expect(lines[1]).toMatchObject({ reqId: 'req-1', trace_id: 'abc', user_id: 'u1', msg: 'second', level: 50 });
    expect(log.bindings()).toMatchObject({ reqId: 'req-1', trace_id: 'abc', user_id: 'u1' });
  });

  it('reports the bindings it holds before any line, and children carry them', () => {
    const { lines, parent } = capture('info');
    const log = lazy(parent);
    log.setBindings({ trace_id: 't1' });
    expect(log.bindings()).toMatchObject({ reqId: 'req-1', trace_id: 't1' });
    log.child({ job: 'j1' }).warn('from a child');
    expect(lines[0]).toMatchObject({ reqId: 'req-1', trace_id: 't1', job: 'j1', msg: 'from a child' });
  });

  it('honours a level set for the route', () => {
    const { lines, parent } = capture('warn');
    const log = lazy(parent, { reqId: 'r' }, { level: 'debug' });
    log.debug('route debug line');
    expect(lines).toEqual([expect.objectContaining({ msg: 'route debug line', reqId: 'r' })]);
    expect(log.isLevelEnabled('debug')).toBe(true);
  });

  it('gives a logger that cannot tell its levels an ordinary child', () => {
    const calls: unknown[] = [];
    const plain = { child: (bindings: unknown) => (calls.push(bindings), plain), info() {}, error() {}, debug() {}, fatal() {}, warn() {}, trace() {} };
    const child = lazyChildLoggerFactory.call(undefined as never, plain as unknown as FastifyBaseLogger, { reqId: 'r' }, {}, undefined as never);
    expect(child).toBe(plain);
    expect(calls).toEqual([{ reqId: 'r' }]);
  });

  it('in the app: request lines carry the request id and the trace id', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-logger-'));
    const lines: Record<string, unknown>[] = [];
    const config = loadConfig({ DATA_DIR: dataDir, BCRYPT_ROUNDS: '4', LOG_LEVEL: 'info' });
    const container = await createContainer(config, { sqlitePath: ':memory:' });
    const app = await buildApp(container, { logger: { ...(loggerOptions('info') as object), stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } } });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/health/live' });
      const traceId = res.headers['x-trace-id'];
      const completed = lines.find((line) => line.msg === 'request completed');
      expect(completed).toMatchObject({ reqId: expect.any(String), trace_id: traceId });
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
