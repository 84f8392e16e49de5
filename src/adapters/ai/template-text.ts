/**
 * Small text helpers of the offline text generator: sentence splitting, name mentions, lists.
 */
import type { CharacterInput, LocationInput } from '../../lib/prompt-types.js';

export function sentencesOf(text: string | undefined | null): string[] {
  const pieces = (text ?? '')
    .split(/\n+|(?<=[.!?…]["”’)]?)\s+(?=["“‘(]?[A-Z0-9])/)
    .map((s) => s.trim())
    .filter(Boolean);
  // `"Where is it?" Mara asks.` is one sentence: a bare quote keeps the short attribution after it.
  const out: string[] = [];
  for (const piece of pieces) {
    const previous = out[out.length - 1];
    if (previous && /^["“][^"”]*["”]$/.test(previous) && piece.split(/\s+/).length <= 6) out[out.length - 1] = `${previous} ${piece}`;
    else out.push(piece);
  }
  return out;
}

export function ensurePeriod(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' || /[.!?…"”’)]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Sentence openers that may be lower-cased mid-sentence; anything else may be a name ("Mara") and stays. */
const OPENERS = new Set(['the', 'a', 'an', 'he', 'she', 'they', 'it', 'his', 'her', 'their', 'its', 'there', 'this', 'that', 'these', 'those', 'later', 'then', 'suddenly', 'meanwhile', 'someone', 'everyone', 'we', 'you']);

export function lowerFirst(text: string): string {
  const first = /^[A-Z][a-z]*/.exec(text)?.[0];
  return first && OPENERS.has(first.toLowerCase()) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

export function upperFirst(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** "A", "A and B", "A, B and C". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Words that start names without identifying anyone ("The Anchor", "Captain Reyes"). */
const NOT_A_NAME = new Set(['the', 'a', 'an', 'old', 'young', 'little', 'big', 'mr', 'mrs', 'ms', 'dr', 'sir', 'lady', 'lord', 'captain', 'doctor', 'professor', 'saint', 'st']);

/** Position of the first mention of a name (full name, or for people its first word), -1 if none. */
function mentionAt(text: string, name: string, byFirstWord: boolean): number {
  const first = name.split(/\s+/)[0] ?? '';
  const candidates = [name, ...(byFirstWord && first !== name && first.length >= 3 && !NOT_A_NAME.has(first.toLowerCase().replace(/\.$/, '')) ? [first] : [])];
  let best = -1;
  for (const candidate of candidates) {
    const match = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegex(candidate)}(?![\\p{L}\\p{N}])`, 'iu').exec(text);
    if (match && (best < 0 || match.index < best)) best = match.index;
  }
  return best;
}

/** The characters a text names (also by first name), in order of first mention. */
export function mentionedCharacters(text: string, characters: readonly CharacterInput[]): CharacterInput[] {
  return byMention(text, characters, true);
}

/** The locations a text names (by full name only: "The Anchor" is not "the"). */
export function mentionedLocations(text: string, locations: readonly LocationInput[]): LocationInput[] {
  return byMention(text, locations, false);
}

function byMention<T extends { name: string }>(text: string, items: readonly T[], byFirstWord: boolean): T[] {
  return items
    .map((item) => ({ item, at: mentionAt(text, item.name, byFirstWord) }))
    .filter((m) => m.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((m) => m.item);
}

export function namesOf(ids: readonly string[] | undefined, characters: readonly CharacterInput[]): string[] {
  return [...new Set(ids ?? [])].map((id) => characters.find((c) => c.id === id)?.name).filter((name): name is string => !!name);
}

/** Splits `items` into at most `max` runs of adjacent items, as even as possible. */
export function chunk<T>(items: readonly T[], max: number): T[][] {
  if (items.length <= max) return items.map((item) => [item]);
  const out: T[][] = [];
  const size = items.length / max;
  for (let i = 0; i < max; i++) out.push(items.slice(Math.round(i * size), Math.round((i + 1) * size)));
  return out.filter((run) => run.length > 0);
}

/** The first words of a text as a title. */
export function titleFrom(text: string, words = 6): string {
  const clause = text.split(/[.!?;:—–-]\s|,\s/)[0] ?? text;
  const head = clause.split(/\s+/).filter(Boolean).slice(0, words).join(' ');
  return upperFirst(head.replace(/["“”‘’]/g, '').replace(/[.,;:!?]+$/, '')) || 'Untitled';
}
