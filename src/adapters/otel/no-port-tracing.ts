/**
 * The PortTracing of a server without tracing: every decorator is the identity. Kept apart from
 * port-tracing.ts so that such a server never loads the OpenTelemetry API or the decorators.
 */
import type { PortTracing } from './port-tracing.js';

const identity = <T>(value: T): T => value;

export const NO_PORT_TRACING: PortTracing = {
  store: identity,
  storyQueries: identity,
  redis: identity,
  jobQueue: identity,
  imageProvider: identity,
  textProvider: identity,
  http: undefined,
};
