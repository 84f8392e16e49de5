/**
 * Handshake authentication. Browsers cannot set an Authorization header on a WebSocket, so
 * the access token may also come as `?token=` or as `Sec-WebSocket-Protocol: bearer, <token>`.
 * The outcome is decided before the upgrade, so no client frame can arrive before we know
 * who is talking; a refusal is still sent as a close code after the upgrade, because a
 * browser cannot read the HTTP status of a refused upgrade.
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';
import { isId } from '../lib/ids.js';
import type { AuthenticatedUser } from '../modules/auth/auth.service.js';
import { CLOSE } from './messages.js';

export const BEARER_PROTOCOL = 'bearer';

export interface HandshakeSource {
  headers: IncomingMessage['headers'];
  query: unknown;
  params: unknown;
}

export interface HandshakeDeps {
  authenticate(token: string): Promise<AuthenticatedUser>;
  /** Resolves when the user owns the project; throws a 404 AppError otherwise. */
  loadProject(userId: string, projectId: string): Promise<unknown>;
}

export type HandshakeOutcome =
  | { ok: true; user: AuthenticatedUser; token: string; projectId: string }
  | { ok: false; status: number; code: number; reason: string };

/** The `bearer, <token>` subprotocol pair, or undefined. */
export function protocolToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const offered = header.split(',').map((value) => value.trim());
  const at = offered.indexOf(BEARER_PROTOCOL);
  const token = at === -1 ? undefined : offered[at + 1];
  return token ? token : undefined;
}

export function handshakeToken(source: HandshakeSource): string | undefined {
  const fromProtocol = protocolToken(source.headers['sec-websocket-protocol']);
  if (fromProtocol) return fromProtocol;
  const query = source.query as Record<string, unknown> | undefined;
  if (typeof query?.token === 'string' && query.token) return query.token;
  const header = source.headers.authorization;
  return typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/** Selects the `bearer` subprotocol so the browser sees it echoed (ws `handleProtocols`). */
export function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(BEARER_PROTOCOL) ? BEARER_PROTOCOL : false;
}

const refuse = (status: number, code: number, reason: string): HandshakeOutcome => ({ ok: false, status, code, reason });

export async function authorizeHandshake(source: HandshakeSource, deps: HandshakeDeps): Promise<HandshakeOutcome> {
  const token = handshakeToken(source);
  if (!token) return refuse(401, CLOSE.unauthorized, 'Missing access token');
  let user: AuthenticatedUser;
  try {
    user = await deps.authenticate(token);
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 401) return refuse(401, CLOSE.unauthorized, error.message);
    throw error;
  }
  const projectId = (source.params as Record<string, unknown> | undefined)?.project_id;
  if (!isId(projectId)) return refuse(404, CLOSE.notFound, 'Project not found');
  try {
    await deps.loadProject(user.id, projectId);
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 404) return refuse(404, CLOSE.notFound, 'Project not found');
    throw error;
  }
  return { ok: true, user, token, projectId };
}
