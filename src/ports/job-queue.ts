/**
 * JobQueue: durable background jobs. The job document in the DocumentStore (collection
 * 'jobs') is the source of truth; the embedded adapter runs jobs in-process, the BullMQ
 * adapter (production issue) carries execution through Redis. Handlers are idempotent
 * (at-least-once delivery after a crash).
 */
import type { StoredDoc } from './document-store.js';

/** The DocumentStore collection holding job documents. */
export const JOBS_COLLECTION = 'jobs';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
/** `generation` = image jobs, `task` = text jobs (API.md). */
export type JobKind = 'generation' | 'task';

export interface JobDoc extends StoredDoc {
  kind: JobKind;
  /** What the job does, e.g. image, panel_sequence, character_design, scene_summary, breakdown. */
  type: string;
  owner_id: string;
  project_id: string | null;
  status: JobStatus;
  progress: number;
  params: Record<string, unknown>;
  provider: string | null;
  model: string | null;
  prompt: string | null;
  seed: number | null;
  result: Record<string, unknown> | null;
  error: string | null;
  draft_id: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobContext {
  job: JobDoc;
  signal: AbortSignal;
  /** Persists and publishes progress (0..1) with an optional message. */
  progress(value: number, message?: string): Promise<void>;
  /** Records provenance fields on the job (prompt, provider, model, seed) before/while running. */
  annotate(fields: Partial<Pick<JobDoc, 'prompt' | 'provider' | 'model' | 'seed'>>): Promise<void>;
  /**
   * Persists a partial `result` (e.g. ids of what was produced so far), so a re-run after a
   * crash finds what the interrupted attempt left and can discard it (idempotent handlers).
   */
  checkpoint(partial: Record<string, unknown>): Promise<void>;
}

export interface JobOutcome {
  result: Record<string, unknown>;
  draft_id?: string | null;
  /** Removes what the job produced; called when the job was canceled just as it finished. */
  discard?: () => Promise<void>;
}

export type JobHandler = (context: JobContext) => Promise<JobOutcome>;

export interface JobQueue {
  /** Registers the handler for a job type (before start()). */
  handle(type: string, handler: JobHandler): void;
  /** Stores a queued job and schedules it; resolves with the stored document. */
  enqueue(job: Omit<JobDoc, 'id' | 'created_at' | 'updated_at' | 'version' | 'status' | 'progress' | 'result' | 'error' | 'attempts' | 'started_at' | 'finished_at' | 'draft_id'>): Promise<JobDoc>;
  /** Cancels a queued or running job; ConflictError when it already finished. */
  cancel(jobId: string): Promise<JobDoc>;
  /** Starts running jobs (recovering those left running by a crash). */
  start(): Promise<void>;
  /** Stops taking jobs and waits for running ones (or aborts them after a grace period). */
  stop(): Promise<void>;
}
