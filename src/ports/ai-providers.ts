/**
 * AI provider ports. Adapters live in src/adapters/ai/ (sketch, template, openai, comfyui,
 * automatic1111). Every call takes an AbortSignal (job cancel) and reports progress.
 * Adapters validate responses, retry transient failures with backoff, apply timeouts, and
 * throw ProviderError with a human-readable message (never an API key or a stack trace).
 * When `options.signal` aborts, generate() rejects promptly with a ProviderError saying
 * "canceled" (the caller tells a cancel from a failure by `signal.aborted`) after telling the
 * server to stop where it can (AUTOMATIC1111 interrupt, ComfyUI interrupt / queue delete).
 * Text tasks, their `context` (TextTaskInput) and answers (TaskContent) are in src/lib/text-tasks.ts;
 * prompt assembly is in src/lib/prompt.ts and src/lib/prompt-text.ts.
 */

export class ProviderError extends Error {
  constructor(
    message: string,
    /** True when retrying the same request later could succeed (429, 5xx, network). */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Everything an offline renderer needs to draw a storyboard panel; real providers use `prompt`. */
export interface SceneSketch {
  shot_type?: string | null;
  camera_angle?: string | null;
  description?: string;
  characters?: { name: string; appearance?: string }[];
  location?: { name: string; description?: string } | null;
  dialogue?: { type: string; speaker?: string | null; text: string }[];
  palette?: string[];
  caption?: string;
}

export interface ImageRequest {
  prompt: string;
  negative_prompt?: string;
  width: number;
  height: number;
  seed: number;
  /** How many images; providers may produce them in one call or several. */
  n: number;
  /** Structured panel content for renderers that draw it (sketch). */
  sketch?: SceneSketch;
  /** For img2img (variations, style transfer): the source image bytes. */
  init_image?: Buffer;
  /** 0..1, how far img2img may move from the source. */
  denoising_strength?: number;
}

export interface GeneratedImage {
  data: Buffer;
  mime_type: 'image/png' | 'image/jpeg' | 'image/webp';
  seed: number;
}

export interface ProgressReport {
  /** 0..1 within this call. */
  progress: number;
  message?: string;
}

export interface CallOptions {
  signal: AbortSignal;
  onProgress?: (report: ProgressReport) => void;
}

export interface ImageProvider {
  readonly name: string;
  readonly model: string;
  /** Whether generate() honours init_image (img2img). */
  readonly supportsImageToImage: boolean;
  /** Whether generate() honours negative_prompt. */
  readonly supportsNegativePrompt: boolean;
  /** Longest prompt the provider accepts, in characters. */
  readonly maxPromptLength: number;
  generate(request: ImageRequest, options: CallOptions): Promise<GeneratedImage[]>;
  /** Releases what the adapter holds (a helper process, sockets); the composition root calls it on shutdown. */
  close?(): Promise<void>;
}

export interface TextRequest {
  /** The task type, e.g. scene_summary, dialogue, breakdown. */
  task: string;
  system: string;
  prompt: string;
  /** JSON schema of the expected answer when the task needs structure (structured output). */
  schema?: Record<string, unknown>;
  /** How many alternative answers (draft variants). */
  n: number;
  seed?: number;
  /** Project data for offline generators that build text from it (template). */
  context?: Record<string, unknown>;
}

export interface GeneratedText {
  /** Plain text, or parsed JSON when a schema was given. */
  content: unknown;
  metadata: Record<string, unknown>;
}

export interface TextProvider {
  readonly name: string;
  readonly model: string;
  readonly maxPromptLength: number;
  generate(request: TextRequest, options: CallOptions): Promise<GeneratedText[]>;
  close?(): Promise<void>;
}
