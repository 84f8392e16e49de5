/**
 * Wires the workflows: their job handlers (registered on the queue before it starts) and the
 * two request services. A workflow is mostly existing steps composed into one job: the story
 * loader and prompt assembly of the generation module, drafts, the drafts module's selector
 * for workflows that apply at once, and the panels service for applied visual prompts.
 */
import type { ImageProvider, TextProvider } from '../../ports/ai-providers.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { InstructionsService } from '../instructions/instructions.service.js';
import type { ImagesService } from '../images/images.service.js';
import type { PanelsService } from '../panels/panels.service.js';
import { createDraftsStore } from '../drafts/drafts.store.js';
import { createDraftSelector } from '../drafts/draft-select.js';
import { createStoryLoader } from '../generation/story-context.js';
import { breakdownHandler } from './breakdown-job.js';
import { CONSISTENCY_JOB, createConsistencyService } from './consistency.service.js';
import { generateChapterHandler } from './generate-chapter-job.js';
import { storyboardHandler } from './storyboard-job.js';
import { styleApplyHandler } from './style-apply-job.js';
import { createWorkflowsService } from './workflows.service.js';

export interface WorkflowsWiringDeps {
  store: DocumentStore;
  events: Pick<EventBus, 'publish'>;
  queue: JobQueue;
  images: Pick<ImagesService, 'saveImage' | 'remove'>;
  panels: Pick<PanelsService, 'update'>;
  instructions: Pick<InstructionsService, 'applicableFor'>;
  imageProvider: ImageProvider;
  textProvider: TextProvider;
}

export function createWorkflows(deps: WorkflowsWiringDeps) {
  const { store, events, queue, textProvider: text, imageProvider: image } = deps;
  const story = createStoryLoader({ store, applicableFor: (userId, type, id) => deps.instructions.applicableFor(userId, type, id) });
  const drafts = createDraftsStore({ store, events });
  const select = createDraftSelector({ store, events });
  const removeImage = (ownerId: string, imageId: string) => deps.images.remove(ownerId, imageId);
  const steps = { text, image, images: deps.images, drafts };
  // Deep consistency checks need a model that can read; the offline template provider cannot.
  const consistency = createConsistencyService({ store, queue, story, text, llm: text.name === 'template' ? null : text });

  const breakdown = breakdownHandler({ text, store, story, drafts, select });
  queue.handle('breakdown', breakdown);
  queue.handle('auto_panel', breakdown);
  queue.handle('storyboard', storyboardHandler({ ...steps, store, story, removeImage, select }));
  queue.handle('generate_chapter', generateChapterHandler({ text, story, drafts }));
  queue.handle('style_guide_apply', styleApplyHandler({ ...steps, store, story, panels: deps.panels, removeImage }));
  queue.handle(CONSISTENCY_JOB, consistency.handler());

  return {
    workflows: createWorkflowsService({ store, queue, story, text, image }),
    consistency,
  };
}
