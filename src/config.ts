/**
 * The environment, parsed and validated once at boot into a frozen Config.
 * A bad value stops the start with a ConfigError naming the variable.
 */
import path from 'node:path';

export type Role = 'api' | 'worker' | 'all';
export type ImageProviderName = 'sketch' | 'openai' | 'comfyui' | 'automatic1111';
export type TextProviderName = 'template' | 'openai';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RateLimit {
  max: number;
  windowMs: number;
  /** The original text, e.g. "1000/hour", for messages and docs. */
  text: string;
}

export interface Config {
  nodeEnv: string;
  production: boolean;
  host: string;
  port: number;
  dataDir: string;
  /** Absent means: generate once and keep in DATA_DIR (not allowed in production). */
  jwtSecret: string | undefined;
  mongodbUrl: string | undefined;
  mongodbDb: string;
  redisUrl: string | undefined;
  /** Prepended to every Redis key and channel, so deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  otelEndpoint: string | undefined;
  otelServiceName: string;
  corsOrigins: string[];
  imageProvider: ImageProviderName;
  textProvider: TextProviderName;
  openaiBaseUrl: string;
  openaiApiKey: string | undefined;
  textModel: string;
  imageModel: string;
  comfyuiUrl: string | undefined;
  a1111Url: string | undefined;
  logLevel: LogLevel;
  role: Role;
  rateLimitDefault: RateLimit;
  rateLimitGeneration: RateLimit;
  maxUploadBytes: number;
  maxImagePixels: number;
  bcryptRounds: number;
  jobConcurrency: number;
  /** BullMQ: how long a worker's hold on a running job lasts unrenewed; a dead worker's job is re-run after 1-2x this. */
  jobLockMs: number;
  /** Failed logins for one username before it is locked out (lockouts then double). */
  loginMaxFailures: number;
  /** Failed logins from one client IP before it is locked out. */
  loginMaxFailuresPerIp: number;
  /** The first lockout; each further lockout of the same key doubles it, up to 64x. */
  loginLockoutSeconds: number;
  /** Registrations per client IP. */
  registrationLimit: RateLimit;
  /** Serve Swagger UI (/docs) and the OpenAPI document (/api/v1/openapi.json). */
  docsEnabled: boolean;
  /** Queued + running jobs one user may have at once; more is a 429. */
  maxActiveJobsPerUser: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client IP (per-IP limits and lockouts):
   * false (none: the socket's peer is the client), a hop count, or proxy addresses / CIDRs.
   */
  trustProxy: false | number | string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

const IPV4_OR_CIDR = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;
const IPV6_OR_CIDR = /^[0-9a-fA-F:]+(\/\d{1,3})?$/;

/** TRUST_PROXY: unset/false, a number of hops, or a comma-separated list of proxy IPs / CIDRs. Never "true": anyone could then pick their IP. */
function trustProxy(env: Env): false | number | string[] {
  const raw = str(env, 'TRUST_PROXY');
  if (raw === undefined || ['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 1, 10);
  const addresses = raw.split(',').map((part) => part.trim()).filter(Boolean);
  for (const address of addresses) {
    if (!IPV4_OR_CIDR.test(address) && !IPV6_OR_CIDR.test(address)) {
      throw new ConfigError('TRUST_PROXY', `must be false, a hop count (1-10) or proxy IP addresses / CIDRs, got "${address}"`);
    }
  }
  return addresses;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${redactUrl(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

/** Never echo credentials embedded in a URL back into logs or error messages. */
function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}

const WINDOWS: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function parseRateLimit(name: string, raw: string): RateLimit {
  const match = /^(\d+)\s*\/\s*(second|minute|hour|day)$/.exec(raw.trim());
  const max = match ? Number(match[1]) : 0;
  if (!match || max < 1) throw new ConfigError(name, `must look like "1000/hour" (per second|minute|hour|day), got "${raw}"`);
  return { max, windowMs: WINDOWS[match[2]!]!, text: raw.trim() };
}

function redisKeyPrefix(env: Env): string {
  const prefix = str(env, 'REDIS_KEY_PREFIX') ?? 'inkframe:';
  // Plain characters only: it becomes part of key names, channel names and BullMQ's prefix.
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) throw new ConfigError('REDIS_KEY_PREFIX', `must be 1-64 letters, digits, "_", ".", ":" or "-", got "${prefix}"`);
  return prefix;
}

const HOST_PATTERN = /^[A-Za-z0-9.:\-[\]]+$/;

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const host = str(env, 'HOST') ?? '127.0.0.1';
  if (!HOST_PATTERN.test(host)) throw new ConfigError('HOST', `must be a host name or IP address, got "${host}"`);

  const jwtSecret = str(env, 'JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes long');
  }
  if (production && jwtSecret === undefined) throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');

  const corsOrigins = (str(env, 'CORS_ORIGINS') ?? 'http://localhost:3000,http://localhost:5173')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin === '*') throw new ConfigError('CORS_ORIGINS', 'must list origins explicitly; "*" is not allowed with credentials');
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError('CORS_ORIGINS', `has an invalid origin "${origin}" (use scheme://host[:port])`);
  }

  const mongodbUrl = url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']);
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const role = oneOf(env, 'ROLE', ['api', 'worker', 'all'] as const, 'all');

  const config: Config = {
    nodeEnv,
    production,
    host,
    port: int(env, 'PORT', 8000, 0, 65535),
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? './data'),
    jwtSecret,
    mongodbUrl,
    mongodbDb: str(env, 'MONGODB_DB') ?? 'inkframe',
    redisUrl,
    redisKeyPrefix: redisKeyPrefix(env),
    otelEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
    otelServiceName: str(env, 'OTEL_SERVICE_NAME') ?? 'inkframe',
    corsOrigins,
    imageProvider: oneOf(env, 'IMAGE_PROVIDER', ['sketch', 'openai', 'comfyui', 'automatic1111'] as const, 'sketch'),
    textProvider: oneOf(env, 'TEXT_PROVIDER', ['template', 'openai'] as const, 'template'),
    openaiBaseUrl: url(env, 'OPENAI_BASE_URL', ['http:', 'https:']) ?? 'https://api.openai.com/v1',
    openaiApiKey: str(env, 'OPENAI_API_KEY'),
    textModel: str(env, 'TEXT_MODEL') ?? 'gpt-4o-mini',
    imageModel: str(env, 'IMAGE_MODEL') ?? 'gpt-image-1',
    comfyuiUrl: url(env, 'COMFYUI_URL', ['http:', 'https:']),
    a1111Url: url(env, 'A1111_URL', ['http:', 'https:']),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    role,
    rateLimitDefault: parseRateLimit('RATE_LIMIT_DEFAULT', str(env, 'RATE_LIMIT_DEFAULT') ?? '1000/hour'),
    rateLimitGeneration: parseRateLimit('RATE_LIMIT_GENERATION', str(env, 'RATE_LIMIT_GENERATION') ?? '10/minute'),
    maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 10_485_760, 1024, 1_073_741_824),
    maxImagePixels: int(env, 'MAX_IMAGE_PIXELS', 64_000_000, 1, 1_000_000_000),
    bcryptRounds: int(env, 'BCRYPT_ROUNDS', 12, 4, 16),
    jobConcurrency: int(env, 'JOB_CONCURRENCY', 2, 1, 64),
    jobLockMs: int(env, 'JOB_LOCK_MS', 30_000, 1_000, 600_000),
    loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginMaxFailuresPerIp: int(env, 'LOGIN_MAX_FAILURES_PER_IP', 50, 1, 1_000_000),
    loginLockoutSeconds: int(env, 'LOGIN_LOCKOUT_SECONDS', 60, 1, 86_400),
    registrationLimit: parseRateLimit('REGISTRATION_LIMIT', str(env, 'REGISTRATION_LIMIT') ?? '20/hour'),
    docsEnabled: bool(env, 'DOCS_ENABLED', true),
    maxActiveJobsPerUser: int(env, 'MAX_ACTIVE_JOBS_PER_USER', 20, 1, 100_000),
    trustProxy: trustProxy(env),
  };

  if (production && config.bcryptRounds < 10) throw new ConfigError('BCRYPT_ROUNDS', 'must be at least 10 when NODE_ENV=production');
  if (config.imageProvider === 'comfyui' && !config.comfyuiUrl) throw new ConfigError('COMFYUI_URL', 'is required when IMAGE_PROVIDER=comfyui');
  if (config.imageProvider === 'automatic1111' && !config.a1111Url) throw new ConfigError('A1111_URL', 'is required when IMAGE_PROVIDER=automatic1111');
  // One IP carries many users' logins (an office, a proxy): its threshold must not be the lower one.
  if (config.loginMaxFailuresPerIp < config.loginMaxFailures) {
    throw new ConfigError('LOGIN_MAX_FAILURES_PER_IP', `must be at least LOGIN_MAX_FAILURES (${config.loginMaxFailures}), got ${config.loginMaxFailuresPerIp}`);
  }
  if (role !== 'all' && !redisUrl) throw new ConfigError('ROLE', `"${role}" needs REDIS_URL (without Redis only ROLE=all is valid)`);
  return Object.freeze(config);
}
