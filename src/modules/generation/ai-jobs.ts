/**
 * Wires the AI side: the story loader, drafts, the job handlers (image generation and text
 * tasks, registered on the queue) and the two request services.
 */
import type { ImageProvider, TextProvider } from '../../ports/ai-providers.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { InstructionsService } from '../instructions/instructions.service.js';
import type { ImagesService } from '../images/images.service.js';
import { createDraftsStore } from '../drafts/drafts.store.js';
import { createTasksService } from '../tasks/tasks.service.js';
import { registerTaskJobs } from '../tasks/task-jobs.js';
import { createGenerationService } from './generation.service.js';
import { registerImageJobs } from './image-jobs.js';
import { createImagePlanner } from './image-plans.js';
import { createStoryLoader } from './story-context.js';

export interface AiJobsDeps {
  store: DocumentStore;
  events: Pick<EventBus, 'publish'>;
  /** Source bytes of variations and style transfers. */
  blobs: Pick<BlobStore, 'read'>;
  queue: JobQueue;
  images: Pick<ImagesService, 'remove' | 'saveImage'>;
  instructions: Pick<InstructionsService, 'applicableFor'>;
  imageProvider: ImageProvider;
  textProvider: TextProvider;
}

export function createAiJobs(deps: AiJobsDeps) {
  const { store, events, queue } = deps;
  const story = createStoryLoader({ store, applicableFor: (userId, type, id) => deps.instructions.applicableFor(userId, type, id) });
  const drafts = createDraftsStore({ store, events });

  registerImageJobs(queue, {
    provider: deps.imageProvider,
    planner: createImagePlanner({ story, store, blobs: deps.blobs }),
    images: deps.images,
    removeImage: (ownerId, imageId) => deps.images.remove(ownerId, imageId),
    drafts,
  });
  registerTaskJobs(queue, { provider: deps.textProvider, story, drafts });

  return {
    generation: createGenerationService({ store, queue, story, provider: deps.imageProvider }),
    tasks: createTasksService({ store, queue, story, provider: deps.textProvider }),
  };
}
