/** Result shapes, the printed table and the Markdown table for BENCHMARKS.md. */
import type { ServerProcess } from './proc.js';
import type { RawServer } from './load.js';
import type { Seeded } from './seed.js';

export type Status = 'met' | 'missed' | 'skipped' | 'info';

export interface CaseResult {
  id: string;
  name: string;
  target: string;
  result: string;
  status: Status;
  note?: string;
  metrics?: Record<string, unknown>;
}

export interface BackendResult {
  backend: string;
  cases: CaseResult[];
  seed?: { seconds: number; panels_per_second: number };
}

export interface RunResult {
  date: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  backends: BackendResult[];
  duration_seconds: number;
}

export interface BenchContext {
  backend: string;
  server: ServerProcess;
  raw: RawServer;
  /** The same recorded answers from a bare Fastify app (raw-server.ts --fastify). */
  floor: RawServer;
  seeded: Seeded;
  /** Seconds of measured load per throughput run. */
  seconds: number;
  dataDir: string;
  /** Paths in the server's OpenAPI document (to skip cases whose endpoint is missing). */
  paths: Set<string>;
  env: Record<string, string>;
  log(line: string): void;
}

export const MB = 1024 * 1024;
export const fmt = {
  ms: (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms` : 'n/a'),
  rps: (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`,
  mb: (bytes: number) => `${(bytes / MB).toFixed(0)} MB`,
  ratio: (v: number) => v.toFixed(2),
};

export const met = (ok: boolean): Status => (ok ? 'met' : 'missed');

export function skipped(id: string, name: string, target: string, note: string): CaseResult {
  return { id, name, target, result: '-', status: 'skipped', note };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function consoleTable(backend: BackendResult): string {
  const rows = backend.cases.map((c) => [c.name, c.target, c.result, c.status === 'met' ? 'met' : c.status === 'missed' ? 'MISSED' : c.status]);
  const header = ['case', 'target', 'result', 'status'];
  const widths = header.map((h, i) => Math.min(70, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => pad(cell, widths[i]!)).join(' | ');
  return [`== ${backend.backend}`, line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

const escape = (text: string) => text.replace(/\|/g, '\\|');

export function markdownTable(backend: BackendResult): string {
  const lines = ['| case | target | result | status | notes |', '|---|---|---|---|---|'];
  for (const c of backend.cases) {
    const status = c.status === 'met' ? 'met' : c.status === 'missed' ? '**missed**' : c.status;
    lines.push(`| ${escape(c.name)} | ${escape(c.target)} | ${escape(c.result)} | ${status} | ${escape(c.note ?? '')} |`);
  }
  return lines.join('\n');
}
