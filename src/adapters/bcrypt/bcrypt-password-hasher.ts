import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { PasswordHasher } from '../../ports/password-hasher.js';

/**
 * bcrypt reads only the first 72 bytes of its input, so a long passphrase would be cut
 * silently; hashing it to a fixed 44-character base64 SHA-256 first keeps every byte significant.
 */
function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

export function createBcryptPasswordHasher(rounds: number): PasswordHasher {
  return {
    hash: (password) => bcrypt.hash(prehash(password), rounds),
    verify: (password, hash) => bcrypt.compare(prehash(password), hash),
  };
}
