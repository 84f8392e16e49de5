/**
 * EventBus: how services announce committed changes and job progress. The WebSocket
 * gateway subscribes; with Redis configured the same events reach every instance.
 * Services publish only after the change is committed.
 */
export type ContentAction = 'created' | 'updated' | 'deleted';

export interface ContentUpdate {
  resource: string;
  id: string;
  action: ContentAction;
  version: number | null;
  parent?: { type: string; id: string } | undefined;
}

export interface AppEvent {
  /** The WebSocket message type, e.g. content_update, generation_progress, draft_ready, task_complete. */
  type: string;
  project_id: string;
  /** The user the event belongs to (sockets of other users never see it). */
  owner_id: string;
  data: Record<string, unknown>;
  timestamp: string;
}

export type EventHandler = (event: AppEvent) => void;

export interface EventBus {
  publish(event: AppEvent): Promise<void>;
  /** Returns a function that removes the handler. */
  subscribe(handler: EventHandler): () => void;
  close(): Promise<void>;
}
