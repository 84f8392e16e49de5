/**
 * Pure rules for dialogue bubbles and panel split/merge; no I/O, so they are unit-tested
 * on their own and the service only adds storage and reference checks around them.
 */
import { ValidationError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { BubbleType, DialogueBubble, DialogueBubbleInput } from './panels.schemas.js';

/** Bubble types that never have a speaker. */
const SPEAKERLESS: ReadonlySet<BubbleType> = new Set<BubbleType>(['caption', 'sfx']);

/** Bubbles numbered by position, so `order` is always 0..n-1. */
export function renumber(bubbles: readonly DialogueBubble[]): DialogueBubble[] {
  return bubbles.map((bubble, index) => ({ ...bubble, order: index }));
}

/**
 * The stored bubble list for `input` replacing `existing`: an input id naming a bubble of
 * `existing` keeps it (once; a repeat gets a fresh id), any other bubble gets a fresh id.
 * Throws a 422 (field `${field}.i.…`) for a speaker on a caption/sfx or an `order` other than i.
 */
export function buildDialogue(
  input: readonly DialogueBubbleInput[],
  existing: readonly DialogueBubble[] = [],
  field = 'dialogue',
  makeId: () => string = newId,
): DialogueBubble[] {
  const reusable = new Set(existing.map((bubble) => bubble.id));
  return input.map((bubble, index) => {
    const characterId = bubble.character_id ?? null;
    if (characterId !== null && SPEAKERLESS.has(bubble.type)) {
      throw ValidationError.field(`${field}.${index}.character_id`, `must be null for a ${bubble.type}`);
    }
    if (bubble.order !== undefined && bubble.order !== index) {
      throw ValidationError.field(`${field}.${index}.order`, `must be ${index} (the bubble's position in the list) or omitted`);
    }
    let id: string;
    if (bubble.id !== undefined && reusable.delete(bubble.id)) id = bubble.id;
    else id = makeId();
    return { id, type: bubble.type, character_id: characterId, text: bubble.text, order: index };
  });
}

/** Half of the bubbles, rounded up. */
export const defaultSplitIndex = (count: number): number => Math.ceil(count / 2);

/** Bubbles 0..k-1 stay, k..n-1 move (each side re-ordered from 0); k outside 0..n is a 422. */
export function splitDialogue(
  bubbles: readonly DialogueBubble[],
  index: number = defaultSplitIndex(bubbles.length),
): { kept: DialogueBubble[]; moved: DialogueBubble[] } {
  if (!Number.isInteger(index) || index < 0 || index > bubbles.length) {
    throw ValidationError.field('dialogue_index', `must be between 0 and ${bubbles.length}`);
  }
  return { kept: renumber(bubbles.slice(0, index)), moved: renumber(bubbles.slice(index)) };
}

/** This panel's bubbles followed by the other's, re-ordered from 0 (ids are kept). */
export function mergeDialogue(first: readonly DialogueBubble[], second: readonly DialogueBubble[]): DialogueBubble[] {
  return renumber([...first, ...second]);
}

/** Descriptions joined with a blank line; empty (or blank) ones are skipped. */
export function joinDescriptions(...descriptions: string[]): string {
  return descriptions.filter((text) => text.trim() !== '').join('\n\n');
}

/** Union keeping first-seen order, without duplicates. */
export function unionIds(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/** Distinct speaker ids of a bubble list. */
export function speakerIds(bubbles: readonly { character_id?: string | null }[]): string[] {
  return [...new Set(bubbles.map((bubble) => bubble.character_id).filter((id): id is string => typeof id === 'string'))];
}
