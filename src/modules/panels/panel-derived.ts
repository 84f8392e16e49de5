/**
 * Fields derived from a panel's dialogue and stored with it, so project stats and character
 * appearances are answered by indexes instead of reading every panel's bubbles:
 * `bubble_count`, `word_count` and `speaker_ids` (distinct bubble speakers).
 *
 * Every write of a panel's dialogue stores `withDialogue(bubbles)` instead of `{ dialogue }`,
 * so the fields can never drift from the bubbles. They are internal: the API's Panel schema
 * does not list them (responses leave them out) and exports strip them (withoutDerived).
 */

export interface PanelDerived {
  bubble_count: number;
  word_count: number;
  speaker_ids: string[];
}

export const DERIVED_PANEL_FIELDS = ['bubble_count', 'word_count', 'speaker_ids'] as const satisfies readonly (keyof PanelDerived)[];

/** A stored bubble as far as the derived fields care (tolerant: stored data may predate validation). */
interface BubbleLike {
  character_id?: unknown;
  text?: unknown;
}

/** Words are runs of non-space characters, the way a letterer counts them. */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** The derived fields of a bubble list; anything but an array counts as no bubbles. */
export function panelDerived(dialogue: unknown): PanelDerived {
  const bubbles: BubbleLike[] = Array.isArray(dialogue) ? dialogue : [];
  let words = 0;
  const speakers = new Set<string>();
  for (const bubble of bubbles) {
    if (typeof bubble?.text === 'string') words += countWords(bubble.text);
    if (typeof bubble?.character_id === 'string') speakers.add(bubble.character_id);
  }
  return { bubble_count: bubbles.length, word_count: words, speaker_ids: [...speakers] };
}

/** The patch (or the part of a new panel) that stores `dialogue`: the bubbles and their derived fields. */
export function withDialogue<B extends BubbleLike>(dialogue: B[]): { dialogue: B[] } & PanelDerived {
  return { dialogue, ...panelDerived(dialogue) };
}

/** A copy of the document without the derived fields (exports carry only what the API defines). */
export function withoutDerived<T extends object>(panel: T): T {
  const copy = { ...panel } as Record<string, unknown>;
  for (const field of DERIVED_PANEL_FIELDS) delete copy[field];
  return copy as T;
}
