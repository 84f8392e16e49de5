/**
 * Per-request loggers created on first use. Fastify gives every request a pino child logger
 * (request id, and our trace id binding); with redaction and serializers configured, building
 * that child costs more than the rest of a simple authenticated GET (bench/PROFILE.md), and at
 * the usual levels (info and above, no per-request lines) most requests never write a line.
 * This logger keeps the bindings and creates the real child only when a line is written at
 * an enabled level, or when something needs the child itself.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString } from 'pino';

type LogFn = (...args: unknown[]) => void;
type Parent = FastifyBaseLogger & { isLevelEnabled?(level: string): boolean };

export class LazyChildLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Parent,
    private bindingsSoFar: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private child_(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindingsSoFar, this.options);
    return this.real;
  }

  private write(level: Level, args: unknown[]): void {
    // A level set for the route (options.level) decides for itself; otherwise the parent's level does.
    if (this.real === undefined && this.options.level === undefined && !this.isLevelEnabled(level)) return;
    (this.child_()[level] as LogFn)(...args);
  }

  get level(): LevelWithSilentOrString {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.child_().level = level;
  }

  isLevelEnabled(level: string): boolean {
    const decider = this.real !== undefined || this.options.level !== undefined ? (this.child_() as Parent) : this.parent;
    return decider.isLevelEnabled?.(level) ?? true;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.child_().child(bindings, options);
  }

  bindings(): Bindings {
    return this.real ? (this.real as FastifyBaseLogger & { bindings(): Bindings }).bindings() : { ...(this.parent as { bindings?(): Bindings }).bindings?.(), ...this.bindingsSoFar };
  }

  setBindings(bindings: Bindings): void {
    const real = this.real as (FastifyBaseLogger & { setBindings?(b: Bindings): void }) | undefined;
    if (real === undefined) this.bindingsSoFar = { ...this.bindingsSoFar, ...bindings };
    else if (typeof real.setBindings === 'function') real.setBindings(bindings);
    else this.real = real.child(bindings);
  }
}

/** Fastify's `childLoggerFactory` option: a lazy child per request. */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  // Only pino loggers say which levels are on; any other logger gets its child right away.
  if (typeof (logger as Parent).isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
};
