/**
 * A prompt as ranked parts, and the one rule that keeps it within a provider's limit: drop
 * (or first shorten) the lowest-ranked part, then the next, and only when nothing droppable
 * is left cut the text itself. Pure, so the truncation order is unit-tested in isolation.
 */

export interface PromptPart {
  /** Shown in `dropped` / `shortened` so a caller can say what did not fit. */
  label: string;
  text: string;
  /** Lower ranks go first; a part with rank Infinity is never dropped (only cut at the very end). */
  rank: number;
  /** A shorter form tried before dropping the part (e.g. a character's name without the appearance). */
  short?: string;
}

export interface FittedPrompt {
  text: string;
  /** Labels of the parts left out, in the order they were dropped. */
  dropped: string[];
  shortened: string[];
  /** True when even the undroppable parts had to be cut. */
  cut: boolean;
}

export type Joiner = (texts: string[]) => string;

/** Sentences: each part ends with punctuation, parts separated by a space. */
export const sentences: Joiner = (texts) =>
  texts
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => (/[.!?…:;]$/.test(text) ? text : `${text}.`))
    .join(' ');

/** Blocks: parts separated by a blank line (text-task prompts). */
export const blocks: Joiner = (texts) =>
  texts
    .map((text) => text.trim())
    .filter(Boolean)
    .join('\n\n');

export function fitParts(parts: readonly PromptPart[], maxLength: number, join: Joiner = sentences): FittedPrompt {
  const live = parts.filter((part) => part.text.trim() !== '').map((part) => ({ ...part, shortenedNow: false }));
  const dropped: string[] = [];
  const shortened: string[] = [];
  const render = () => join(live.map((part) => part.text));

  let text = render();
  while (text.length > maxLength) {
    const victim = lowestRanked(live);
    if (victim === undefined) break;
    const part = live[victim]!;
    if (part.short !== undefined && part.short.trim() !== '' && !part.shortenedNow && part.short.length < part.text.length) {
      part.text = part.short;
      part.shortenedNow = true;
      shortened.push(part.label);
    } else {
      live.splice(victim, 1);
      dropped.push(part.label);
    }
    text = render();
  }
  const cut = text.length > maxLength;
  return { text: cut ? cutText(text, maxLength) : text, dropped, shortened, cut };
}

/** Index of the part to give up next: the lowest finite rank, and among equals the last one (least important of its kind). */
function lowestRanked(live: readonly PromptPart[]): number | undefined {
  let best: number | undefined;
  live.forEach((part, index) => {
    if (!Number.isFinite(part.rank)) return;
    if (best === undefined || part.rank <= live[best]!.rank) best = index;
  });
  return best;
}

/** Cuts at a word boundary when one is near, marking the cut with an ellipsis. */
export function cutText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 1) return text.slice(0, Math.max(0, maxLength));
  const room = text.slice(0, maxLength - 1);
  const space = room.lastIndexOf(' ');
  const head = space >= room.length * 0.6 ? room.slice(0, space) : room;
  return `${head.trimEnd()}…`;
}
