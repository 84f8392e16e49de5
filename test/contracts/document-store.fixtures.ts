/** Shared helpers of the DocumentStore contract files. */

/** Deterministic, ordered 24-hex ids (newId() order is not guaranteed when its counter wraps). */
export function hexId(n: number): string {
  return n.toString(16).padStart(24, '0');
}
