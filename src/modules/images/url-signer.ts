/**
 * Signed image links: `/api/v1/images/{id}?exp=<unix seconds>&sig=<HMAC-SHA256>` so that an
 * `<img src>` works without an Authorization header. The key is derived from the JWT secret
 * (HKDF with its own label), so it never equals the token key. Expiry is rounded up to the
 * hour, so a link stays the same for an hour and browsers can cache by URL.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type ImageLinkVariant = 'original' | 'thumbnail';

export interface ImageUrlSigner {
  /** A signed link to the image bytes or its thumbnail. */
  url(imageId: string, variant: ImageLinkVariant): string;
  /** True when `sig` is this server's signature for the image and variant and `exp` has not passed. */
  verify(imageId: string, variant: ImageLinkVariant, exp: string | undefined, sig: string | undefined): boolean;
}

export const SIGNED_URL_TTL_SECONDS = 24 * 60 * 60;
const ROUND_SECONDS = 60 * 60;

export function createImageUrlSigner(secret: string, options: { ttlSeconds?: number; now?: () => number } = {}): ImageUrlSigner {
  const key = Buffer.from(hkdfSync('sha256', secret, 'inkframe', 'image-url-signature-v1', 32));
  const ttl = options.ttlSeconds ?? SIGNED_URL_TTL_SECONDS;
  const now = options.now ?? Date.now;

  const sign = (imageId: string, variant: ImageLinkVariant, exp: number) =>
    createHmac('sha256', key).update(`${variant}\n${imageId}\n${exp}`).digest();

  const pathOf = (imageId: string, variant: ImageLinkVariant) =>
    variant === 'original' ? `/api/v1/images/${imageId}` : `/api/v1/images/${imageId}/thumbnail`;

  return {
    url(imageId, variant) {
      const exp = Math.ceil((now() / 1000 + ttl) / ROUND_SECONDS) * ROUND_SECONDS;
      return `${pathOf(imageId, variant)}?exp=${exp}&sig=${sign(imageId, variant, exp).toString('base64url')}`;
    },

    verify(imageId, variant, exp, sig) {
      if (typeof exp !== 'string' || !/^\d{1,12}$/.test(exp) || typeof sig !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
      const expires = Number(exp);
      if (expires * 1000 <= now()) return false;
      const given = Buffer.from(sig, 'base64url');
      const expected = sign(imageId, variant, expires);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
