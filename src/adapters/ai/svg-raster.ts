/**
 * SVG -> PNG for the sketch renderer, in a helper process. The image processor blocks every
 * libvips loader except JPEG/PNG/WebP for the whole process (src/adapters/sharp), so uploads
 * can never be parsed as SVG; that block stays intact here, and our own SVG (user text is
 * XML-escaped) is rasterised by a small child process whose sharp allows the SVG loader only.
 * One child per process, started on first use, unref'd while idle, restarted if it dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ProviderError } from '../../ports/ai-providers.js';
import { duration } from './http.js';

const CHILD_SOURCE = `
const ready = import(process.env.INKFRAME_SHARP_URL).then(({ default: sharp }) => {
  sharp.cache(false);
  sharp.concurrency(1);
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });
  return sharp;
});
process.on('disconnect', () => process.exit(0));
process.on('message', async ({ id, svg }) => {
  try {
    const sharp = await ready;
    const png = await sharp(Buffer.from(svg, 'utf8'), { limitInputPixels: 64000000 }).png({ compressionLevel: 6 }).toBuffer();
    process.send({ id, png });
  } catch (error) {
    process.send({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Pending {
  resolve: (png: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

type Reply = { id: number; png?: Uint8Array; error?: string };

const KEEP_ENV = /^(PATH|HOME|LANG|LANGUAGE|LC_\w+|FONTCONFIG_\w+|XDG_\w+|TMPDIR|TEMP|TMP|VIPS_\w+|SYSTEMROOT|WINDIR)$/i;

class SvgRasterizer {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private closing = false;

  render(svg: string, signal: AbortSignal, timeoutMs = 60_000): Promise<Buffer> {
    if (signal.aborted) return Promise.reject(new ProviderError('sketch: rendering canceled'));
    this.closing = false;
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      const onAbort = () => this.settle(id, new ProviderError('sketch: rendering canceled'));
      const timer = setTimeout(() => {
        this.settle(id, new ProviderError(`sketch: rendering took longer than ${duration(timeoutMs)}`, true));
        // A stuck child would hold every later render up: start a fresh one next time.
        this.child?.kill('SIGKILL');
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve, reject, timer, cleanup: () => signal.removeEventListener('abort', onAbort) });
      this.updateRef();
      try {
        child.send({ id, svg });
      } catch (error) {
        this.settle(id, new ProviderError(`sketch: cannot reach the renderer process (${(error as Error).message})`, true));
      }
    });
  }

  /** Stops the child once nothing is waiting on it (another provider instance may still be rendering). */
  close(): void {
    this.closing = true;
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (!this.closing || this.pending.size > 0) return;
    this.closing = false;
    this.child?.kill();
    this.child = undefined;
  }

  private settle(id: number, outcome: Buffer | Error): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.cleanup();
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
    this.updateRef();
    this.stopIfIdle();
  }

  /** An idle child must not keep the process alive (tests, graceful shutdown). */
  private updateRef(): void {
    const child = this.child;
    if (!child) return;
    if (this.pending.size > 0) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }

  private ensureChild(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && KEEP_ENV.test(key)) env[key] = value;
    env.INKFRAME_SHARP_URL = pathToFileURL(createRequire(import.meta.url).resolve('sharp')).href;
    this.stderr = '';
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env,
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    // The pipe is a handle of its own: unref'd, so only the child's own ref decides.
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    child.on('message', (message: Reply) => {
      if (message.png) this.settle(message.id, Buffer.from(message.png.buffer, message.png.byteOffset, message.png.byteLength));
      else this.settle(message.id, new ProviderError(`sketch: the SVG could not be rendered (${message.error ?? 'unknown error'})`));
    });
    const fail = (why: string) => {
      if (this.child === child) this.child = undefined;
      const detail = this.stderr.trim().split('\n').slice(-2).join(' ');
      for (const id of [...this.pending.keys()]) this.settle(id, new ProviderError(`sketch: the renderer process ${why}${detail ? `: ${detail}` : ''}`, true));
    };
    child.on('exit', (code, signal) => fail(`stopped (${signal ?? `exit code ${code}`})`));
    child.on('error', (error) => fail(`failed (${error.message})`));
    this.child = child;
    return child;
  }
}

const shared = new SvgRasterizer();

export function rasterizeSvg(svg: string, signal: AbortSignal, timeoutMs?: number): Promise<Buffer> {
  return shared.render(svg, signal, timeoutMs);
}

export function closeSvgRasterizer(): void {
  shared.close();
}
