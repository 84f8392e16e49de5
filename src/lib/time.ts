/** ISO 8601 UTC with milliseconds, the timestamp format of every API field. */
export function nowIso(): string {
  return new Date().toISOString();
}
