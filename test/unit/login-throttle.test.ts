import { describe, expect, it } from 'vitest';
import { createMemoryAttemptCounter } from '../../src/adapters/memory/memory-attempt-counter.js';
import { createLoginThrottle, ipBucket } from '../../src/modules/auth/login-throttle.js';
import { RateLimitedError } from '../../src/errors.js';

function setup(maxFailures = 3, maxFailuresPerIp = 5, lockoutSeconds = 10) {
  const clock = { now: 1_700_000_000_000 };
  const throttle = createLoginThrottle({ attempts: createMemoryAttemptCounter({ now: () => clock.now }), maxFailures, maxFailuresPerIp, lockoutSeconds });
  /** Seconds of Retry-After when locked, 0 when not. */
  const wait = async (username: string, ip = '10.0.0.1') => {
    try {
      await throttle.check(username, ip);
      return 0;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      return Number(error.headers['Retry-After']);
    }
  };
  return { clock, throttle, wait };
}

describe('login throttle', () => {
  it('locks a username after maxFailures, then doubles the lockout with every further failure, up to 64x', async () => {
    const { clock, throttle, wait } = setup(3, 1000, 10);
    for (let i = 0; i < 2; i++) await throttle.failed('alice', '10.0.0.1');
    expect(await wait('alice')).toBe(0);
    await throttle.failed('alice', '10.0.0.1');
    const lockouts = [await wait('alice')];
    for (let i = 0; i < 8; i++) {
      clock.now += lockouts.at(-1)! * 1000;
      expect(await wait('alice')).toBe(0);
      await throttle.failed('alice', '10.0.0.1');
      lockouts.push(await wait('alice'));
    }
    expect(lockouts).toEqual([10, 20, 40, 80, 160, 320, 640, 640, 640]);
  });

  it('counts a username whatever its case, and separately from other usernames', async () => {
    const { throttle, wait } = setup(2);
    await throttle.failed('Bob', '10.0.0.1');
    await throttle.failed('BOB', '10.0.0.2');
    expect(await wait('bob', '10.0.0.3')).toBe(10);
    expect(await wait('carol')).toBe(0);
  });

  it('locks an IP after maxFailuresPerIp across many usernames; other IPs are unaffected', async () => {
    const { throttle, wait } = setup(3, 5);
    for (let i = 0; i < 5; i++) await throttle.failed(`user${i}`, '10.0.0.9');
    expect(await wait('someone-new', '10.0.0.9')).toBe(10);
    expect(await wait('someone-new', '10.0.0.10')).toBe(0);
  });

  it('a success clears the username count but not the IP count', async () => {
    const { throttle, wait } = setup(3, 4);
    await throttle.failed('dave', '10.0.0.1');
    await throttle.failed('dave', '10.0.0.1');
    await throttle.succeeded('dave', '10.0.0.1');
    await throttle.failed('dave', '10.0.0.1');
    await throttle.failed('dave', '10.0.0.1');
    // 2 since the success: the username is not locked; 4 from the IP: the IP is.
    expect(await wait('dave', '10.0.0.2')).toBe(0);
    expect(await wait('erin', '10.0.0.1')).toBe(10);
  });

  it('forgets failures after a quiet spell longer than the longest lockout', async () => {
    const { clock, throttle, wait } = setup(2, 1000, 10);
    await throttle.failed('frank', '10.0.0.1');
    clock.now += 15 * 60_000 + 640_000 - 1;
    await throttle.failed('frank', '10.0.0.1');
    expect(await wait('frank')).toBe(10);
    clock.now += 15 * 60_000 + 640_000 + 1;
    await throttle.failed('frank', '10.0.0.1');
    expect(await wait('frank')).toBe(0);
  });

  it('answers 429 rate_limited with a message that names the cause', async () => {
    const { throttle } = setup(1);
    await throttle.failed('gina', '10.0.0.1');
    const error = await throttle.check('gina', '10.0.0.1').catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limited', message: 'Too many failed sign-in attempts; try again later' });
  });
});

describe('ipBucket', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s -> %s', (ip, bucket) => {
    expect(ipBucket(ip)).toBe(bucket);
  });
});
