/**
 * Random hex ids from a pooled CSPRNG buffer: one randomFillSync per ~170 trace contexts
 * instead of two randomBytes calls per request (3.6% of the GET profile, bench/PROFILE.md).
 * Every byte is used once; only for ids that are unique, not secret.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) throw new RangeError(`randomHex: at most ${POOL_BYTES} bytes`);
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
