import { randomBytes } from 'node:crypto';

/** 24-hex ids in MongoDB ObjectId layout (4-byte seconds, 5 random bytes, 3-byte counter), so data moves between SQLite and MongoDB unchanged. */
const processUnique = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newId(now: number = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(now / 1000).toString(16).padStart(8, '0');
  return seconds + processUnique + counter.toString(16).padStart(6, '0');
}

const ID_PATTERN = /^[0-9a-f]{24}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
