import { randomBytes } from 'node:crypto';
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { TokenDenylist } from '../../ports/token-denylist.js';
import { AuthenticationError, ConflictError, NotFoundError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { ACCESS_TTL_SECONDS, REFRESH_TTL_SECONDS, type TokenClaims, type TokenCodec } from '../../lib/jwt.js';
import type { LoginThrottle } from './login-throttle.js';

export interface UserDoc extends StoredDoc {
  username: string;
  /** Lower-cased username with a unique index: names are unique case-insensitively. */
  username_key: string;
  password_hash: string;
}

export interface PublicUser {
  id: string;
  username: string;
  created_at: string;
  updated_at: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_expires_in: number;
}

export interface AuthenticatedUser {
  id: string;
  claims: TokenClaims;
}

export interface AuthDeps {
  store: Pick<DocumentStore, 'insert' | 'get' | 'findOne' | 'update'>;
  hasher: PasswordHasher;
  tokens: TokenCodec;
  denylist: TokenDenylist;
  /** Brute-force lockouts per username and per client IP. */
  throttle: LoginThrottle;
  now?: () => number;
}

const USERS = 'users';
const INVALID_CREDENTIALS = 'Invalid username or password';

export function toPublicUser(user: UserDoc): PublicUser {
  return { id: user.id, username: user.username, created_at: user.created_at, updated_at: user.updated_at };
}

export function createAuthService(deps: AuthDeps) {
  const { store, hasher, tokens, denylist, throttle } = deps;
  const now = deps.now ?? Date.now;
  // Unknown users are checked against this hash so both failures take about as long.
  let decoyHash: Promise<string> | undefined;

  function issuePair(userId: string, family: string): TokenPair {
    const access = tokens.sign('access', { sub: userId, jti: newId(), fam: family });
    const refresh = tokens.sign('refresh', { sub: userId, jti: newId(), fam: family });
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: 'bearer',
      expires_in: ACCESS_TTL_SECONDS,
      refresh_expires_in: REFRESH_TTL_SECONDS,
    };
  }

  async function isStillValid(claims: TokenClaims): Promise<boolean> {
    const [tokenRevoked, familyRevoked, cutoff] = await Promise.all([
      denylist.isRevoked(`jti:${claims.jti}`),
      denylist.isRevoked(`fam:${claims.fam}`),
      denylist.userCutoff(claims.sub),
    ]);
    return !tokenRevoked && !familyRevoked && (cutoff === null || claims.ims >= cutoff);
  }

  const familyExpiry = () => now() + REFRESH_TTL_SECONDS * 1000;

  return {
    async register(username: string, password: string): Promise<PublicUser> {
      const user = await store
        .insert<UserDoc>(USERS, {
          id: newId(),
          username,
          username_key: username.toLowerCase(),
          password_hash: await hasher.hash(password),
        })
        .catch((error: unknown) => {
          if (error instanceof ConflictError) throw new ConflictError('Username is already taken');
          throw error;
        });
      return toPublicUser(user);
    },

    /** `clientIp` keys the per-IP lockout; unknown and known usernames fail (and lock) alike. */
    async login(username: string, password: string, clientIp: string): Promise<TokenPair> {
      await throttle.check(username, clientIp);
      const user = await store.findOne<UserDoc>(USERS, { username_key: username.toLowerCase() });
      if (!user) {
        decoyHash ??= hasher.hash(randomBytes(16).toString('hex'));
        await hasher.verify(password, await decoyHash);
      }
      if (!user || !(await hasher.verify(password, user.password_hash))) {
        await throttle.failed(username, clientIp);
        throw new AuthenticationError(INVALID_CREDENTIALS);
      }
      await throttle.succeeded(username, clientIp);
      return issuePair(user.id, newId());
    },

    /** Rotation with reuse detection (RFC 9700 §4.14): a refresh token works once; a replay revokes its family. */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const claims = tokens.verify(refreshToken, 'refresh');
      if (!claims) throw new AuthenticationError('Invalid or expired refresh token');
      const [familyRevoked, cutoff] = await Promise.all([denylist.isRevoked(`fam:${claims.fam}`), denylist.userCutoff(claims.sub)]);
      if (familyRevoked || (cutoff !== null && claims.ims < cutoff)) throw new AuthenticationError('Refresh token has been revoked');
      // Spending the token is atomic: of two racing uses, only the first gets true.
      const firstUse = await denylist.revoke(`jti:${claims.jti}`, claims.exp * 1000);
      if (!firstUse) {
        await denylist.revoke(`fam:${claims.fam}`, familyExpiry());
        throw new AuthenticationError('Refresh token was already used; the session has been revoked');
      }
      if (!(await store.get<UserDoc>(USERS, claims.sub))) throw new AuthenticationError('User no longer exists');
      return issuePair(claims.sub, claims.fam);
    },

    /** Revokes the presented access token and the whole session (its refresh family). */
    async logout(claims: TokenClaims): Promise<void> {
      await denylist.revoke(`jti:${claims.jti}`, claims.exp * 1000);
      await denylist.revoke(`fam:${claims.fam}`, familyExpiry());
    },

    async me(userId: string): Promise<PublicUser> {
      const user = await store.get<UserDoc>(USERS, userId);
      if (!user) throw new NotFoundError('User');
      return toPublicUser(user);
    },

    /**
     * Requires the current password (guesses count toward the same lockout as logins, so a
     * stolen access token cannot brute-force it); every token issued before the change stops working.
     */
    async changePassword(userId: string, currentPassword: string, newPassword: string, clientIp: string): Promise<void> {
      const user = await store.get<UserDoc>(USERS, userId);
      if (!user) throw new NotFoundError('User');
      await throttle.check(user.username, clientIp);
      if (!(await hasher.verify(currentPassword, user.password_hash))) {
        await throttle.failed(user.username, clientIp);
        throw new AuthenticationError('Current password is wrong');
      }
      await store.update<UserDoc>(USERS, user.id, { password_hash: await hasher.hash(newPassword) });
      await denylist.revokeUserTokensBefore(user.id, now(), familyExpiry());
    },

    /** Resolves an access token to its user, or throws 401. */
    async authenticate(accessToken: string): Promise<AuthenticatedUser> {
      const claims = tokens.verify(accessToken, 'access');
      if (!claims) throw new AuthenticationError('Invalid or expired access token');
      if (!(await isStillValid(claims))) throw new AuthenticationError('Access token has been revoked');
      return { id: claims.sub, claims };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
