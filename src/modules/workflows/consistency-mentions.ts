/**
 * `unknown_character_mention`: capitalised names in descriptions and dialogue that match no
 * character. Capital letters mark names only loosely, so the heuristic errs on the side of
 * silence (a missed name costs less than a writer learning to ignore the check):
 *
 * - A run of capitalised words is one candidate ("Inspector Holt", "New Harbour"); a run that
 *   shares a word with a character's name (by any word of it, possessive "'s" stripped) is that
 *   character.
 * - A sentence's first word (start of text, after . ! ? … : or a newline, inside an opening
 *   quote) counts only when the same word is capitalised mid-sentence somewhere in the
 *   project; "Dr. Holt" does not start a sentence at "Holt".
 * - Ignored: words seen in lower case anywhere in the project ("Rain" in a title-cased caption),
 *   ALL-CAPS words (sound effects, shouting), runs after "the"/"a"/"an" (roles and places),
 *   titles alone ("the Captain", "Sir"), common capitalised words (I, OK, days, months,
 *   languages, interjections) and every word of a location name, the project, chapter and
 *   scene titles.
 *
 * Evidence (mid-sentence capitals, lower-case sightings) comes from every text given, so
 * checking part of a project judges its names with the whole project's usage.
 */
import { issue, type Issue, type IssueTarget } from './consistency-types.js';

export interface MentionText {
  text: string;
  target: IssueTarget;
  /** Where the text is, for the message ("panel 2 of "The pier""). */
  where: string;
  /** Whether an issue on this text is reported (inside the checked scope). */
  inScope: boolean;
}

export interface MentionNames {
  characters: readonly string[];
  /** Location names, project/chapter/scene titles: capitalised, but not people. */
  other: readonly string[];
}

const TITLES = new Set(
  'mr mrs ms miss mister madam madame mme mlle sir dame lady lord dr doctor prof professor captain capt inspector detective det officer sergeant sgt lieutenant lt general gen colonel col major agent father mother sister brother aunt auntie uncle grandma grandpa granny king queen prince princess duke duchess saint st president chief judge reverend rev señor senor signor herr frau jr sr'.split(' '),
);
/** Abbreviations whose period does not end a sentence. */
const ABBREVIATIONS = new Set('mr mrs ms dr prof capt det sgt lt gen col rev st jr sr mme mlle vs etc'.split(' '));
const COMMON = new Set(
  (
    "i i'm i'll i've i'd ok okay oh ooh ah aha uh um hey hi hello goodbye bye yes yeah yep no nope please thanks thank sorry wow well god gods heaven hell " +
    "mom mum dad mommy mummy daddy mama papa ma'am sir monday tuesday wednesday thursday friday saturday sunday january february march april may june july " +
    'august september october november december spring summer autumn winter english french german spanish italian chinese japanese korean russian arabic ' +
    'american british european african asian latin christmas easter halloween tv internet the a an and or but nor so yet he she they we you it his her hers ' +
    'their them our my your its this that these those there here then now when where what who whom whose why how which if not never always meanwhile later ' +
    'suddenly someone everyone nobody somebody chapter scene panel part end fin north south east west street avenue road lane bridge river city town ' +
    'moon sun earth mars flashback narrator new old after before at in on of to from with without into onto over under above below about across through ' +
    'during until since for by near far back again once twice first last next only just still also even very too more most less least all both either ' +
    'each every some any many much few other another same such own day night morning evening today tonight tomorrow yesterday time'
  ).split(' '),
);

const DETERMINERS = new Set('the a an this that these those my your his her our their its every each some any no'.split(' '));

interface Token {
  word: string;
  key: string;
  start: number;
  end: number;
  capitalised: boolean;
  initial: boolean;
  afterArticle: boolean;
}

const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
const keyOf = (word: string) => word.toLowerCase().replace(/['’]s$/, '').replace(/’/g, "'");
const wordsOf = (name: string) => (name.match(TOKEN) ?? []).map(keyOf);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const word = match[0];
    const start = match.index;
    const previous = tokens[tokens.length - 1];
    const gap = text.slice(previous ? previous.end : 0, start);
    // An opening quote sits right before the word, after a space; a closing one is followed by a space.
    const boundary = !previous || /[.!?…:]["”’)]*\s*["“‘(]?\s*$/.test(gap) || gap.includes('\n') || /(^|[\s,;—–-])["“‘(]$/.test(gap) || /“\s*$/.test(gap);
    const abbreviated = previous !== undefined && /^\.\s+$/.test(gap) && ABBREVIATIONS.has(previous.key);
    const letters = word.replace(/[^\p{L}]/gu, '');
    tokens.push({
      word,
      key: keyOf(word),
      start,
      end: start + word.length,
      capitalised: /^\p{Lu}/u.test(word) && !(letters.length > 1 && letters === letters.toUpperCase()),
      initial: boundary && !abbreviated,
      afterArticle: previous !== undefined && /^\s+$/.test(gap) && ['the', 'a', 'an'].includes(previous.key),
    });
  }
  return tokens;
}

/** Runs of capitalised words joined only by spaces (or "Dr. " style abbreviations). */
function runsOf(text: string, tokens: Token[]): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  tokens.forEach((token, index) => {
    const previous = tokens[index - 1];
    const joined = previous && run.length > 0 && (/^ +$/.test(text.slice(previous.end, token.start)) || (/^\. +$/.test(text.slice(previous.end, token.start)) && ABBREVIATIONS.has(previous.key)));
    if (token.capitalised && joined) run.push(token);
    else {
      if (run.length > 0) runs.push(run);
      run = token.capitalised ? [token] : [];
    }
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

interface Found {
  name: string;
  first: MentionText;
  count: number;
}

export function unknownMentions(texts: readonly MentionText[], names: MentionNames): Issue[] {
  const known = new Set(names.characters.flatMap(wordsOf).filter((word) => !TITLES.has(word)));
  const ignored = new Set([...COMMON, ...names.other.flatMap(wordsOf)]);
  const tokenized = texts.map((entry) => ({ entry, tokens: tokenize(entry.text) }));
  const midCapitalised = new Set<string>();
  const lowerSeen = new Set<string>();
  for (const { tokens } of tokenized) {
    for (const token of tokens) {
      if (!/^\p{Lu}/u.test(token.word)) lowerSeen.add(token.key);
      else if (token.capitalised && !token.initial && !token.afterArticle) midCapitalised.add(token.key);
    }
  }

  const found = new Map<string, Found>();
  for (const { entry, tokens } of tokenized) {
    if (!entry.inScope) continue;
    for (const run of runsOf(entry.text, tokens)) {
      // "the Captain", "The Morning After": roles, places and title-cased captions, not people.
      if (run[0]!.afterArticle || DETERMINERS.has(run[0]!.key)) continue;
      const plain = run.filter((token) => COMMON.has(token.key) || lowerSeen.has(token.key)).length;
      if (run.length > 1 && plain * 2 >= run.length) continue;
      let words = run;
      if (words[0]!.initial && !midCapitalised.has(words[0]!.key)) words = words.slice(1);
      if (words.some((token) => known.has(token.key))) continue;
      const rest = words.filter((token) => !TITLES.has(token.key) && !ignored.has(token.key) && !lowerSeen.has(token.key) && !/^\p{N}/u.test(token.word));
      if (rest.length === 0) continue;
      const name = rest.map((token) => token.word.replace(/['’]s$/, '')).join(' ');
      const key = name.toLowerCase();
      const seen = found.get(key);
      if (seen) seen.count += 1;
      else found.set(key, { name, first: entry, count: 1 });
    }
  }

  return [...found.values()].map(({ name, first, count }) =>
    issue(
      'unknown_character_mention',
      `"${name}" is named in ${first.where}${count > 1 ? ` (and ${count - 1} more time${count > 2 ? 's' : ''})` : ''} but matches no character of the project`,
      first.target,
      { name, mentions: count },
    ),
  );
}
