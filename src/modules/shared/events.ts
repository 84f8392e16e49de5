import type { ContentAction, EventBus } from '../../ports/event-bus.js';

export interface ContentChange {
  resource: string;
  id: string;
  action: ContentAction;
  version?: number | null;
  parent?: { type: string; id: string };
}

/** Publishes a content_update after a committed change; `doc` supplies project and owner. */
export function publishContentChange(
  events: Pick<EventBus, 'publish'>,
  doc: { project_id: string; owner_id: string },
  change: ContentChange,
): Promise<void> {
  return events.publish({
    type: 'content_update',
    project_id: doc.project_id,
    owner_id: doc.owner_id,
    data: {
      resource: change.resource,
      id: change.id,
      action: change.action,
      version: change.version ?? null,
      ...(change.parent ? { parent: change.parent } : {}),
    },
    timestamp: new Date().toISOString(),
  });
}
