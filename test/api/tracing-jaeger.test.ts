/**
 * End to end against a real Jaeger: the server as a real process on MongoDB and Redis
 * exports to OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger's OTLP receiver), and the trace named by a
 * response's X-Trace-Id is read back from Jaeger's query API (JAEGER_QUERY_URL) with the
 * request span, its MongoDB and Redis child spans, and a job's work continuing the trace.
 * .ci/run builds Jaeger and sets all four URLs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JAEGER_QUERY_URL, MONGODB_URL, OTEL_ENDPOINT, REDIS_URL, announceSkip } from '../helpers/services.js';
import { call, created, registerUser, startServer, until, type ServerProcess } from '../helpers/server-process.js';
import { dropKeys } from '../contracts/redis.fixtures.js';

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  processID: string;
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const needed = { JAEGER_QUERY_URL, OTEL_EXPORTER_OTLP_ENDPOINT: OTEL_ENDPOINT, MONGODB_URL, REDIS_URL };
const missing = Object.entries(needed).filter(([, value]) => !value).map(([name]) => name);

if (missing.length > 0) {
  announceSkip('Tracing end to end into Jaeger', missing.join(', '));
  describe.skip('tracing into Jaeger (its URLs are not set)', () => {
    it('needs Jaeger, MongoDB and Redis', () => undefined);
  });
} else {
  const suffix = randomBytes(4).toString('hex');
  const serviceName = `inkframe-ci-${suffix}`;
  const dbName = `inkframe_jaeger_${suffix}`;
  const keyPrefix = `inkframe-jaeger-${suffix}:`;
  let server: ServerProcess;
  let dataDir: string;
  let token: string;
  let projectId: string;

  /** The trace as Jaeger stores it, once `complete` says every expected span arrived. */
  async function jaegerTrace(traceId: string, complete: (trace: JaegerTrace) => boolean): Promise<JaegerTrace> {
    return until(`trace ${traceId} in Jaeger`, async () => {
      const response = await fetch(`${JAEGER_QUERY_URL}/api/traces/${traceId}`);
      if (!response.ok) return null;
      const trace = ((await response.json()) as { data: JaegerTrace[] }).data[0];
      return trace && complete(trace) ? trace : null;
    }, 30_000, 200);
  }

  const named = (trace: JaegerTrace, name: string) => trace.spans.filter((span) => span.operationName === name);

  /** Whether `span` hangs (through parents) under `ancestor` in the trace. */
  function descendsFrom(span: JaegerSpan, ancestor: JaegerSpan, trace: JaegerTrace): boolean {
    const byId = new Map(trace.spans.map((each) => [each.spanID, each]));
    for (let current: JaegerSpan | undefined = span; current; ) {
      const parentId: string | undefined = current.references.find((ref) => ref.refType === 'CHILD_OF')?.spanID;
      if (parentId === ancestor.spanID) return true;
      current = parentId ? byId.get(parentId) : undefined;
    }
    return false;
  }

  describe('tracing into Jaeger', () => {
    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-jaeger-'));
      server = await startServer({
        DATA_DIR: dataDir,
        MONGODB_URL: MONGODB_URL!,
        MONGODB_DB: dbName,
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: keyPrefix,
        OTEL_EXPORTER_OTLP_ENDPOINT: OTEL_ENDPOINT!,
        OTEL_SERVICE_NAME: serviceName,
        // Export within a fraction of a second instead of the default 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '200',
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_GENERATION: '1000/minute',
      }, { name: 'traced server' });
      token = await registerUser(server.base, `jaeger_${suffix}`);
      projectId = (await created(server.base, '/projects', token, { title: 'Traced into Jaeger' })).id as string;
    });

    afterAll(async () => {
      await server?.stop('SIGTERM');
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      await dropKeys(REDIS_URL!, keyPrefix);
      const client = new MongoClient(MONGODB_URL!);
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    });

    it("holds the response's trace: the route's SERVER span with MongoDB and Redis spans under it", async () => {
      const res = await call(server.base, 'GET', `/projects/${projectId}`, token);
      expect(res.status).toBe(200);
      const traceId = res.headers.get('x-trace-id')!;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);

      const trace = await jaegerTrace(traceId, (t) => named(t, 'mongodb get projects').length > 0 && named(t, 'redis denylist.is_revoked').length > 0);
      const [root] = named(trace, 'GET /api/v1/projects/:project_id');
      expect(root, trace.spans.map((span) => span.operationName).join(', ')).toBeDefined();
      expect(trace.processes[root!.processID]!.serviceName).toBe(serviceName);
      for (const span of [...named(trace, 'mongodb get projects'), ...named(trace, 'redis denylist.is_revoked')]) {
        expect(descendsFrom(span, root!, trace), span.operationName).toBe(true);
      }
      // Route templates, never raw URLs with ids.
      expect(trace.spans.some((span) => span.operationName.includes(projectId))).toBe(false);
    });

    it('continues the trace of the request that queued a job into the job run', async () => {
      const res = await call(server.base, 'POST', '/generate/image', token, { project_id: projectId, prompt: 'lighthouse in fog', n: 1 });
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      const jobId = res.json.data.id as string;
      await until('the job to finish', async () => {
        const status = await call(server.base, 'GET', `/generate/status/${jobId}`, token);
        return ['succeeded', 'failed'].includes(status.json.data?.status as string) ? status : null;
      }, 30_000, 100);

      const trace = await jaegerTrace(res.headers.get('x-trace-id')!, (t) => named(t, 'job process image').length > 0 && named(t, 'mongodb insert images').length > 0);
      const [enqueue] = named(trace, 'job enqueue image');
      const [run] = named(trace, 'job process image');
      // The worker's CONSUMER span continues the request's trace from the job document's traceparent.
      expect(enqueue).toBeDefined();
      expect(run!.references.length).toBeGreaterThan(0);
      for (const insert of named(trace, 'mongodb insert images')) expect(descendsFrom(insert, run!, trace)).toBe(true);
    });
  });
}
