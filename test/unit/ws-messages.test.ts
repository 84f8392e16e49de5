import { describe, expect, it } from 'vitest';
import { MAX_SUBSCRIPTIONS, Subscriptions, parseClientMessage } from '../../src/ws/messages.js';
import { handshakeToken, protocolToken, selectProtocol } from '../../src/ws/handshake.js';

const ID = '0123456789abcdef01234567';
const update = (resource: string, id: string) => ({ type: 'content_update', data: { resource, id, action: 'updated', version: 2 } });

describe('parseClientMessage', () => {
  it('reads resource and id from data, or from the top level when there is no data object', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'subscribe', data: { resource: 'panel', id: ID } }))).toEqual({
      ok: true,
      type: 'subscribe',
      target: { resource: 'panel', id: ID },
    });
    expect(parseClientMessage(JSON.stringify({ type: 'unsubscribe', resource: 'scene' }))).toEqual({
      ok: true,
      type: 'unsubscribe',
      target: { resource: 'scene', id: null },
    });
  });

  it.each([
    ['{', 'bad_request', undefined],
    ['"subscribe"', 'bad_request', undefined],
    ['null', 'bad_request', undefined],
    ['{"type":"ping"}', 'unknown_type', 'type'],
    ['{"type":"subscribe","data":{"resource":"user"}}', 'validation_failed', 'data.resource'],
    ['{"type":"subscribe","resource":"panel","id":"xyz"}', 'validation_failed', 'id'],
    ['{"type":"subscribe","data":{"resource":"panel","id":42}}', 'validation_failed', 'data.id'],
  ])('rejects %s as %s', (text, code, field) => {
    const result = parseClientMessage(text);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.field).toBe(field);
  });
});

describe('Subscriptions', () => {
  it('passes everything when empty, only matches when not, and job frames always', () => {
    const subs = new Subscriptions();
    expect(subs.wants(update('chapter', ID))).toBe(true);
    subs.add({ resource: 'panel', id: ID });
    subs.add({ resource: 'scene', id: null });
    expect(subs.wants(update('panel', ID))).toBe(true);
    expect(subs.wants(update('panel', 'ffffffffffffffffffffffff'))).toBe(false);
    expect(subs.wants(update('scene', 'ffffffffffffffffffffffff'))).toBe(true);
    expect(subs.wants(update('chapter', ID))).toBe(false);
    expect(subs.wants({ type: 'task_complete', data: { task_id: ID } })).toBe(true);
    expect(subs.list()).toEqual([
      { resource: 'panel', id: ID },
      { resource: 'scene', id: null },
    ]);
    expect(subs.remove({ resource: 'panel', id: ID })).toBe(true);
    expect(subs.remove({ resource: 'panel', id: ID })).toBe(false);
    expect(subs.wants(update('panel', ID))).toBe(false);
  });

  it('caps the number of subscriptions but re-adding an existing one is fine', () => {
    const subs = new Subscriptions();
    for (let index = 0; index < MAX_SUBSCRIPTIONS; index++) expect(subs.add({ resource: 'panel', id: index.toString(16).padStart(24, '0') })).toBe(true);
    expect(subs.add({ resource: 'panel', id: null })).toBe(false);
    expect(subs.add({ resource: 'panel', id: '0'.repeat(24) })).toBe(true);
    expect(subs.size).toBe(MAX_SUBSCRIPTIONS);
  });
});

describe('handshake token', () => {
  it('takes the token after `bearer` in the subprotocol list, then the query, then Authorization', () => {
    expect(protocolToken('bearer, abc.def.ghi')).toBe('abc.def.ghi');
    expect(protocolToken('json, bearer,tok')).toBe('tok');
    expect(protocolToken('bearer')).toBeUndefined();
    expect(protocolToken(undefined)).toBeUndefined();
    expect(handshakeToken({ headers: { 'sec-websocket-protocol': 'bearer, p' }, query: { token: 'q' }, params: {} })).toBe('p');
    expect(handshakeToken({ headers: {}, query: { token: 'q' }, params: {} })).toBe('q');
    expect(handshakeToken({ headers: { authorization: 'Bearer h' }, query: {}, params: {} })).toBe('h');
    expect(handshakeToken({ headers: {}, query: { token: ['a', 'b'] }, params: {} })).toBeUndefined();
  });

  it('echoes bearer only when offered', () => {
    expect(selectProtocol(new Set(['bearer', 'tok']))).toBe('bearer');
    expect(selectProtocol(new Set(['graphql-ws']))).toBe(false);
  });
});
