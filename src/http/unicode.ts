/**
 * Request bodies must be well-formed Unicode. JSON can carry a lone UTF-16 surrogate in a
 * `\ud800` escape (raw UTF-8 cannot); SQLite keeps it, but MongoDB (BSON strings are UTF-8)
 * silently stores U+FFFD instead, so the same request would save different text depending on
 * the backend. Such a body is a 422 naming the field, before schema validation.
 */
import fp from 'fastify-plugin';
import { ValidationError } from '../errors.js';

/** With the `u` flag a valid pair is one code point, so only unpaired surrogates match. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The dotted path of the first string (value or key) holding a lone surrogate, or null. Iterative: bodies may nest deeply. */
export function findLoneSurrogate(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [current, path] = entry;
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return path || 'body';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (LONE_SURROGATE.test(key)) return childPath;
      stack.push([child, childPath]);
    }
  }
  return null;
}

export const wellFormedBodyPlugin = fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      if (request.body === undefined || request.body === null) return;
      const field = findLoneSurrogate(request.body);
      if (field !== null) throw ValidationError.field(field, 'must be well-formed Unicode (no unpaired surrogate)');
    });
  },
  { name: 'inkframe-well-formed-body' },
);
