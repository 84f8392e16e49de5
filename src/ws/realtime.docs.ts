/**
 * The OpenAPI description of WS /api/v1/ws/{project_id}. OpenAPI 3.0 cannot model a
 * WebSocket, so the route documents the handshake and an `x-websocket` extension carries
 * the JSON Schema of every frame and the close codes.
 */
import { Type } from '@sinclair/typebox';
import { ErrorEnvelope, Id, Nullable, Timestamp } from '../http/schemas.js';
import { MAX_SUBSCRIPTIONS, RESOURCES } from './messages.js';

const Resource = Type.Unsafe<string>({ type: 'string', enum: [...RESOURCES] });
const Ref = Type.Object({ type: Type.String(), id: Id });
const JobStatus = Type.Unsafe<string>({ type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'canceled'] });

const ServerFrame = <T extends Parameters<typeof Type.Object>[0]>(type: string, data: T, description: string) =>
  Type.Object({ type: Type.Literal(type), data: Type.Object(data), timestamp: Timestamp }, { description });

const Target = { resource: Resource, id: Type.Optional(Nullable(Id)) };
const SubscriptionList = { resource: Resource, id: Nullable(Id), subscriptions: Type.Array(Type.Object({ resource: Resource, id: Nullable(Id) })) };

export const SERVER_MESSAGES = {
  content_update: ServerFrame(
    'content_update',
    {
      resource: Resource,
      id: Id,
      action: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
      version: Nullable(Type.Integer({ minimum: 1 })),
      parent: Type.Optional(Ref),
    },
    'Something in the project was created, updated or deleted (sent after the change was committed). Refetch or patch.',
  ),
  generation_progress: ServerFrame(
    'generation_progress',
    {
      job_id: Id,
      kind: Type.Union([Type.Literal('generation'), Type.Literal('task')]),
      status: JobStatus,
      progress: Type.Number({ minimum: 0, maximum: 1 }),
      message: Type.Optional(Type.String()),
    },
    'A generation or text task started, advanced or ended.',
  ),
  draft_ready: ServerFrame(
    'draft_ready',
    { draft_id: Id, target: Ref, kind: Type.Union([Type.Literal('image'), Type.Literal('text')]) },
    'A draft was created and awaits review.',
  ),
  task_complete: ServerFrame(
    'task_complete',
    { task_id: Id, status: JobStatus, draft_id: Type.Optional(Id), error: Type.Optional(Type.String()) },
    'A text task ended.',
  ),
  subscribed: ServerFrame('subscribed', SubscriptionList, 'Answer to subscribe, with the full subscription list.'),
  unsubscribed: ServerFrame('unsubscribed', SubscriptionList, 'Answer to unsubscribe, with the remaining subscriptions.'),
  error: ServerFrame(
    'error',
    { code: Type.String(), message: Type.String(), details: Nullable(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))) },
    'A client frame was rejected (bad_request: not JSON or not an object; unknown_type; validation_failed: unknown resource or bad id; too_many_subscriptions). The connection stays open.',
  ),
};

const ClientFrame = (type: string, description: string) =>
  Type.Object({ type: Type.Literal(type), data: Type.Object(Target) }, { description: `${description} \`resource\` and \`id\` are also accepted at the top level when there is no \`data\` object.` });

export const CLIENT_MESSAGES = {
  subscribe: ClientFrame(
    'subscribe',
    `Receive only matching content_update frames (no id: every resource of that type). Up to ${MAX_SUBSCRIPTIONS} subscriptions; job frames are always sent.`,
  ),
  unsubscribe: ClientFrame('unsubscribe', 'Remove a subscription; with none left, every content_update is sent again.'),
};

export const CLOSE_CODES = {
  1001: 'Server shutting down; reconnect',
  1009: 'A client frame was over the 64 KB limit',
  4008: 'Client too slow: its unsent data passed the buffer limit; reconnect and refetch',
  4401: 'Missing, invalid, expired or revoked access token (also sent when the token is revoked while connected)',
  4404: 'Project not found (unknown, malformed id, another user\u2019s, or deleted while connected)',
};

const DESCRIPTION = [
  'Opens a WebSocket that streams the changes of one project as JSON frames `{ type, data, timestamp }`.',
  'Authenticate with the access token in the `token` query parameter, in `Sec-WebSocket-Protocol: bearer, <token>` (the server echoes `bearer`), or in an Authorization header where the client can set one.',
  'Refusals happen right after the upgrade with a close code and a reason, so browsers can read them: 4401 (token) or 4404 (project). A plain HTTP GET without an upgrade answers 401/404 or 426.',
  'Server frames: content_update, generation_progress, draft_ready, task_complete, subscribed, unsubscribed, error. Client frames: subscribe, unsubscribe. Full schemas are in the `x-websocket` extension.',
  'The server pings every 30 s and drops sockets that miss a pong; a revoked or expired token closes the socket within a few seconds; frames over 64 KB close it with 1009.',
].join('\n\n');

/** A fresh object per call: Fastify and the OpenAPI hook add to route schemas in place. */
export const realtimeRouteSchema = () => ({
  tags: ['realtime'],
  summary: 'Real-time updates for a project (WebSocket)',
  description: DESCRIPTION,
  params: Type.Object({ project_id: Id }),
  querystring: Type.Object({ token: Type.Optional(Type.String({ description: 'Access token (alternative to the bearer subprotocol)' })) }),
  security: [{ bearerAuth: [] }],
  response: {
    101: Type.Null({ description: 'Switching Protocols: the WebSocket is open' }),
    401: { ...ErrorEnvelope, description: 'No upgrade and no valid token' },
    426: { ...ErrorEnvelope, description: 'Upgrade required: this endpoint speaks WebSocket' },
  },
  'x-websocket': { subprotocol: 'bearer', max_frame_bytes: 65_536, server_messages: SERVER_MESSAGES, client_messages: CLIENT_MESSAGES, close_codes: CLOSE_CODES },
});
