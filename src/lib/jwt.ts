/**
 * JWT encode/verify for Inkframe's tokens (HS256 pinned, iss/aud checked, typ separates
 * access from refresh). Pure computation; revocation lives in the TokenDenylist port.
 */
import { createSigner, createVerifier } from 'fast-jwt';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  sub: string;
  typ: TokenType;
  /** Token id, for revoking this one token. */
  jti: string;
  /** Family id shared by every token descended from one login (refresh reuse detection). */
  fam: string;
  /** Issue time in epoch ms (iat has only seconds), compared with per-user cut-offs. */
  ims: number;
  iat: number;
  exp: number;
}

export const ISSUER = 'inkframe';
export const AUDIENCE = 'inkframe-api';
export const ACCESS_TTL_SECONDS = 30 * 60;
export const REFRESH_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface TokenCodec {
  sign(typ: TokenType, claims: { sub: string; jti: string; fam: string }): { token: string; expiresAtMs: number };
  /** Returns the claims of a valid, unexpired token of the given type, or null. */
  verify(token: string, typ: TokenType): TokenClaims | null;
}

const VERIFIED_CACHE_LIMIT = 10_000;

export function createTokenCodec(secret: string, now: () => number = Date.now): TokenCodec {
  const signers = {
    access: createSigner({ key: secret, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE, expiresIn: ACCESS_TTL_SECONDS * 1000 }),
    refresh: createSigner({ key: secret, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE, expiresIn: REFRESH_TTL_SECONDS * 1000 }),
  };
  const verifier = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: ISSUER,
    allowedAud: AUDIENCE,
    requiredClaims: ['sub', 'typ', 'jti', 'fam', 'ims', 'exp', 'iss', 'aud'],
  });
  /**
   * Verified claims by token until the token expires, so a busy client pays for the HMAC and
   * the parsing once. Keyed by the whole token string: only the identical token hits, and no
   * per-request hash is needed (fast-jwt's own cache hashed every token with sha256, 2.5% of the
   * GET profile). Revocation is not cached here: callers check the denylist on every request.
   */
  const verified = new Map<string, TokenClaims>();
  function verifyCached(token: string): TokenClaims {
    const cached = verified.get(token);
    // Same clock as fast-jwt's own exp check.
    if (cached !== undefined && cached.exp * 1000 > Date.now()) return cached;
    verified.delete(token);
    const claims = Object.freeze(verifier(token)) as TokenClaims;
    if (verified.size >= VERIFIED_CACHE_LIMIT) verified.delete(verified.keys().next().value as string);
    verified.set(token, claims);
    return claims;
  }

  return {
    sign(typ, claims) {
      const issuedAt = now();
      const ttl = typ === 'access' ? ACCESS_TTL_SECONDS : REFRESH_TTL_SECONDS;
      const token = signers[typ]({ ...claims, typ, ims: issuedAt, iat: Math.floor(issuedAt / 1000) });
      return { token, expiresAtMs: issuedAt + ttl * 1000 };
    },
    verify(token, typ) {
      if (typeof token !== 'string' || token.length > 4096) return null;
      try {
        const claims = verifyCached(token);
        if (claims.typ !== typ || typeof claims.sub !== 'string' || typeof claims.ims !== 'number') return null;
        return claims;
      } catch {
        return null;
      }
    },
  };
}
