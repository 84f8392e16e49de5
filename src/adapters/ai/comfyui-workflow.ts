/**
 * The built-in ComfyUI txt2img workflow in API format (the default graph of the ComfyUI UI):
 * checkpoint -> positive/negative CLIP text encodes -> empty latent -> KSampler -> VAE decode
 * -> SaveImage. Node ids are fixed so the output node is known when reading /history.
 */

export interface WorkflowParams {
  checkpoint: string;
  prompt: string;
  negative: string;
  seed: number;
  width: number;
  height: number;
  batch: number;
  steps: number;
  cfg: number;
  sampler: string;
  scheduler: string;
  filenamePrefix: string;
}

export type WorkflowNode = { class_type: string; inputs: Record<string, unknown>; _meta?: { title: string } };

export const SAVE_NODE = '9';

export function txt2imgWorkflow(p: WorkflowParams): Record<string, WorkflowNode> {
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: p.checkpoint }, _meta: { title: 'Load Checkpoint' } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: p.prompt, clip: ['4', 1] }, _meta: { title: 'Positive prompt' } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: p.negative, clip: ['4', 1] }, _meta: { title: 'Negative prompt' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: p.width, height: p.height, batch_size: p.batch }, _meta: { title: 'Empty Latent Image' } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        // KSampler takes 0 .. 2^64-1; negative seeds wrap into range.
        seed: p.seed >= 0 ? p.seed : p.seed + 2 ** 32,
        steps: p.steps,
        cfg: p.cfg,
        sampler_name: p.sampler,
        scheduler: p.scheduler,
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
      _meta: { title: 'KSampler' },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] }, _meta: { title: 'VAE Decode' } },
    [SAVE_NODE]: { class_type: 'SaveImage', inputs: { filename_prefix: p.filenamePrefix, images: ['8', 0] }, _meta: { title: 'Save Image' } },
  };
}
