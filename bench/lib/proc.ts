/**
 * The server under test as a child process: spawn on a free port, wait for readiness (the
 * start-up time), sample its memory from /proc, stop it (SIGTERM, or SIGKILL for the
 * durability check).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Status of one GET, or 0 when the connection fails. */
export function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** VmRSS / VmHWM of a process in bytes (Linux). */
export async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU time (user + system) a process has used so far, in ms (Linux; clock ticks of 10 ms). */
export async function cpuTimeOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resets the peak-RSS mark (VmHWM) so the next read is the peak of what follows. */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Peak RSS over a stretch of work: resets VmHWM and also samples VmRSS every 50 ms (in case
 * the reset is not permitted); the result is the larger of the two readings.
 */
export async function measurePeak<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; baseline: number; peak: number }> {
  await resetPeak(pid);
  const baseline = (await memoryOf(pid)).rss;
  let sampled = baseline;
  const timer = setInterval(() => {
    memoryOf(pid).then((m) => (sampled = Math.max(sampled, m.rss)), () => undefined);
  }, 50);
  try {
    const value = await work();
    const end = await memoryOf(pid);
    return { value, baseline, peak: Math.max(sampled, end.hwm, end.rss) };
  } finally {
    clearInterval(timer);
  }
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  base: string;
  /** Spawn to first 200 from /api/v1/health/ready, in ms. */
  startupMs: number;
  /** CPU the server used to get there (less sensitive to a busy machine than the wall time). */
  startupCpuMs: number;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  main: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.main], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));

  const deadline = started + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exitedEarly) throw new Error(`The server exited during start-up:\n${stderr}`);
    if ((await probe(`${base}/api/v1/health/ready`)) === 200) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The server was not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${stderr}`);
    }
    await sleep(5);
  }
  const startupMs = performance.now() - started;
  const startupCpuMs = await cpuTimeOf(child.pid!).catch(() => NaN);

  return {
    child,
    pid: child.pid!,
    base,
    startupMs,
    startupCpuMs,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
