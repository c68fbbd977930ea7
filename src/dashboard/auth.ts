/**
 * The dashboard's bearer token: made, checked, and found in a request.
 *
 * ```ts
 * const token = newToken();                       // 256 random bits, base64url
 * checkTokenOption('too-short');                  // throws DashboardError 'invalid_option'
 * tokenMatches(requestToken(req, url.searchParams), token);
 * ```
 *
 * The token travels in the `Authorization: Bearer` header, never in a
 * cookie: a page of another site can make the browser send cookies, not
 * headers, so it cannot act with the user's dashboard. `EventSource` cannot
 * set headers, so the events stream also takes `?token=`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DashboardError } from './dashboardError.js';

/** base64url, at least 22 characters: 132 bits or more if random. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,512}$/;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A caller's own token must be URL-safe and long enough to be a secret. */
export function checkTokenOption(token: unknown): string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    throw new DashboardError(
      'invalid_option',
      'token must be 22 to 512 characters of A-Z, a-z, 0-9, "-" or "_" (at least 128 random bits); omit it for a random one.',
    );
  }
  return token;
}

/** The token a request carries: the bearer header, or `?token=` where `query` is given. */
export function requestToken(
  req: IncomingMessage,
  query: URLSearchParams | undefined,
): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  return query?.get('token') ?? undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time (over digests, so the length leaks nothing either). */
export function tokenMatches(candidate: string | undefined, token: string): boolean {
  if (candidate === undefined) return false;
  return timingSafeEqual(digest(candidate), digest(token));
}
