/**
 * The TokenDenylist contract: what every adapter (embedded, Redis) must do, through the port
 * only. `backing()` gives a fresh backing store per test; its `open()` may be called again to
 * get another instance over the same data (a restart, or another process).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenDenylist } from '../../src/ports/token-denylist.js';
import { newId } from '../../src/lib/ids.js';

export interface DenylistBacking {
  open(): Promise<TokenDenylist>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

export function tokenDenylistContract(name: string, backing: () => Promise<DenylistBacking>): void {
  describe(`TokenDenylist contract: ${name}`, () => {
    let current: DenylistBacking;
    let denylist: TokenDenylist;

    beforeEach(async () => {
      current = await backing();
      denylist = await current.open();
    });
    afterEach(async () => {
      await denylist.close();
      await current.close();
    });

    it('revokes a key once: true the first time, false after, and reports it revoked', async () => {
      const key = `jti:${newId()}`;
      expect(await denylist.isRevoked(key)).toBe(false);
      expect(await denylist.revoke(key, Date.now() + HOUR)).toBe(true);
      expect(await denylist.revoke(key, Date.now() + HOUR)).toBe(false);
      expect(await denylist.isRevoked(key)).toBe(true);
      expect(await denylist.isRevoked(`jti:${newId()}`)).toBe(false);
    });

    it('lets exactly one of many racing revokes of one key win', async () => {
      const key = `jti:${newId()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => denylist.revoke(key, Date.now() + HOUR)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('forgets a revocation when the token expires, and can revoke it anew', async () => {
      const key = `jti:${newId()}`;
      expect(await denylist.revoke(key, Date.now() + 150)).toBe(true);
      expect(await denylist.isRevoked(key)).toBe(true);
      await sleep(300);
      expect(await denylist.isRevoked(key)).toBe(false);
      expect(await denylist.revoke(key, Date.now() + HOUR)).toBe(true);
    });

    it('keeps nothing for a token that has already expired', async () => {
      const key = `jti:${newId()}`;
      expect(await denylist.revoke(key, Date.now() - 1_000)).toBe(true);
      expect(await denylist.isRevoked(key)).toBe(false);
    });

    it('keeps a user cut-off until it expires, per user', async () => {
      const user = newId();
      expect(await denylist.userCutoff(user)).toBeNull();
      const cutoff = Date.now();
      await denylist.revokeUserTokensBefore(user, cutoff, Date.now() + 200);
      expect(await denylist.userCutoff(user)).toBe(cutoff);
      expect(await denylist.userCutoff(newId())).toBeNull();
      await sleep(350);
      expect(await denylist.userCutoff(user)).toBeNull();
    });

    it('moves a user cut-off forward', async () => {
      const user = newId();
      await denylist.revokeUserTokensBefore(user, 1_000, Date.now() + HOUR);
      await denylist.revokeUserTokensBefore(user, 2_000, Date.now() + HOUR);
      expect(await denylist.userCutoff(user)).toBe(2_000);
    });

    it('keeps revocations and cut-offs for another instance over the same data', async () => {
      const key = `fam:${newId()}`;
      const user = newId();
      await denylist.revoke(key, Date.now() + HOUR);
      await denylist.revokeUserTokensBefore(user, 1_234, Date.now() + HOUR);
      const other = await current.open();
      try {
        expect(await other.isRevoked(key)).toBe(true);
        expect(await other.revoke(key, Date.now() + HOUR)).toBe(false);
        expect(await other.userCutoff(user)).toBe(1_234);
      } finally {
        await other.close();
      }
    });
  });
}
