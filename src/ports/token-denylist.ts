/**
 * TokenDenylist: revoked token ids, token families and per-user cut-off times.
 * Entries expire with the tokens they revoke.
 */
export interface TokenDenylist {
  /**
   * Marks `key` revoked until `expiresAtMs` (epoch ms). Resolves true when this call revoked
   * it and false when it was already revoked, atomically, so two racing refreshes of one
   * token cannot both succeed.
   */
  revoke(key: string, expiresAtMs: number): Promise<boolean>;
  isRevoked(key: string): Promise<boolean>;
  /** Tokens of this user issued before `cutoffMs` are invalid from now on (kept until `expiresAtMs`). */
  revokeUserTokensBefore(userId: string, cutoffMs: number, expiresAtMs: number): Promise<void>;
  userCutoff(userId: string): Promise<number | null>;
  close(): Promise<void>;
}
