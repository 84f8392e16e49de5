/**
 * Login brute-force protection (OWASP API2). Failed logins are counted per username and per
 * client IP. Once a key has `max` failures, it is locked out, and every further failure locks
 * it again for twice as long (up to 64x the first lockout). A locked key answers 429 with
 * Retry-After before any password is checked, even a right one, so guessing gains nothing
 * during a lockout; unknown usernames are counted and locked exactly like real ones, so the
 * answers never tell which names exist. A successful login clears the username's count, never
 * the IP's: knowing one account must not reset an attacker's address.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { AttemptCounter } from '../../ports/attempt-counter.js';
import { RateLimitedError } from '../../errors.js';

export interface LoginThrottleOptions {
  attempts: AttemptCounter;
  maxFailures: number;
  maxFailuresPerIp: number;
  lockoutSeconds: number;
}

const QUIET_MS = 15 * 60_000;
const MAX_DOUBLINGS = 6;
export const LOCKED_OUT_MESSAGE = 'Too many failed sign-in attempts; try again later';

/** One bucket per IPv4 address, per /64 for IPv6 (one host usually holds a whole /64). */
export function ipBucket(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function createLoginThrottle(options: LoginThrottleOptions) {
  const { attempts, lockoutSeconds } = options;
  const firstLockoutMs = lockoutSeconds * 1000;
  // Failures are forgotten after a quiet spell longer than the longest lockout, so waiting
  // out each lockout still meets a longer one.
  const memoryMs = QUIET_MS + firstLockoutMs * 2 ** MAX_DOUBLINGS;

  const keysOf = (username: string, ip: string) => [
    { key: `login:user:${createHash('sha256').update(username.toLowerCase()).digest('hex')}`, max: options.maxFailures },
    { key: `login:ip:${ipBucket(ip)}`, max: options.maxFailuresPerIp },
  ];

  return {
    /** 429 while the username or the IP is locked out. */
    async check(username: string, ip: string): Promise<void> {
      const waits = await Promise.all(keysOf(username, ip).map(({ key }) => attempts.blockedFor(key)));
      const wait = Math.max(...waits);
      if (wait > 0) throw new RateLimitedError(Math.ceil(wait / 1000), LOCKED_OUT_MESSAGE);
    },

    async failed(username: string, ip: string): Promise<void> {
      await Promise.all(
        keysOf(username, ip).map(async ({ key, max }) => {
          const count = await attempts.increment(key, memoryMs);
          if (count >= max) await attempts.block(key, firstLockoutMs * 2 ** Math.min(count - max, MAX_DOUBLINGS));
        }),
      );
    },

    async succeeded(username: string, ip: string): Promise<void> {
      await attempts.reset(keysOf(username, ip)[0]!.key);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
