// Passages, the units the index holds: corpus documents cut into paragraph groups under their
// headings, and the results of stored sessions, each keyed by the source it comes from.
import type { Session } from '#core/session.ts';
import { splitSentences, squash, wordCount } from '#core/text-analysis.ts';
import type { Block, CorpusDocument } from './document.ts';

/** Passages are paragraph groups of roughly this many words. */
const PASSAGE_MIN_WORDS = 60;
const PASSAGE_MAX_WORDS = 120;

/** One indexed unit: a passage of a corpus document, or one stored session result. */
export interface Passage {
  /** Insertion order: the index is built in a fixed order, so this breaks score ties stably. */
  id: number;
  kind: 'corpus' | 'session';
  /** Results with the same key are the same source: only the best one is returned. */
  key: string;
  title: string;
  heading: string;
  text: string;
  url?: string;
  source: string;
  publishedAt?: string;
}

/** A corpus document's passages, in document order. */
export function documentPassages(doc: CorpusDocument): Omit<Passage, 'id'>[] {
  const source = doc.source ?? hostOf(doc.url) ?? `corpus/${doc.file}`;
  const key = doc.url ? urlKey(doc.url) : `corpus:${doc.file}`;
  return toPassages(doc.blocks).map((chunk) => ({
    kind: 'corpus',
    key,
    title: doc.title,
    heading: chunk.heading,
    text: chunk.text,
    url: doc.url,
    source,
    publishedAt: doc.publishedAt,
  }));
}

/** The stored sessions' results as passages, each result once however many sessions stored it. */
export function sessionPassages(sessions: Session[]): Omit<Passage, 'id'>[] {
  const passages: Omit<Passage, 'id'>[] = [];
  const seen = new Set<string>();
  for (const session of sessions) {
    for (const step of session.steps) {
      for (const result of step.results) {
        const snippet = squash(result.snippet ?? '');
        const title = squash(result.title);
        if (!snippet && !result.url) continue;
        const key = result.url ? urlKey(result.url) : `result:${title}\n${snippet}`;
        // The same result stored by several sessions is indexed once (the newest copy).
        const identity = `${key}\n${snippet.toLowerCase()}`;
        if (seen.has(identity)) continue;
        seen.add(identity);
        passages.push({
          kind: 'session',
          key,
          title,
          heading: '',
          text: snippet,
          url: result.url,
          source: result.source ?? hostOf(result.url) ?? '',
          publishedAt: result.publishedAt,
        });
      }
    }
  }
  return passages;
}

/** Groups a document's blocks into passages of about 60–120 words, each under its heading. */
function toPassages(blocks: Block[]): { heading: string; text: string }[] {
  const passages: { heading: string; text: string; words: number }[] = [];
  let heading = '';
  let current: string[] = [];
  let words = 0;
  const flush = () => {
    if (current.length) passages.push({ heading, text: current.join(' '), words });
    current = [];
    words = 0;
  };

  for (const block of blocks) {
    if (block.kind === 'heading') {
      // A heading starts a new passage unless the current one is only a line or two.
      if (words >= 25) flush();
      else if (words > 0) {
        current.push(block.text.endsWith('.') ? block.text : `${block.text}.`);
        continue;
      }
      heading = block.text;
      continue;
    }
    // A list item or table row without a full stop would run into the next block's first sentence.
    const text = /[.!?…:;]["'”’)\]]*$/u.test(block.text) ? block.text : `${block.text}.`;
    for (const piece of splitLongBlock(text)) {
      const n = wordCount(piece);
      if (words >= PASSAGE_MIN_WORDS && words + n > PASSAGE_MAX_WORDS) flush();
      current.push(piece);
      words += n;
      if (words >= PASSAGE_MAX_WORDS) flush();
    }
  }
  flush();

  // A short tail joins the passage before it when they share a heading and stay reasonable.
  const merged: typeof passages = [];
  for (const passage of passages) {
    const previous = merged.at(-1);
    if (previous && passage.words < 30 && previous.heading === passage.heading && previous.words + passage.words <= PASSAGE_MAX_WORDS + 40) {
      previous.text = `${previous.text} ${passage.text}`;
      previous.words += passage.words;
    } else merged.push({ ...passage });
  }
  return merged.map(({ heading: h, text }) => ({ heading: h, text }));
}

/** A paragraph longer than a passage is cut between sentences into passage-sized pieces. */
function splitLongBlock(text: string): string[] {
  if (wordCount(text) <= PASSAGE_MAX_WORDS) return [text];
  const pieces: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of splitSentences(text)) {
    const n = wordCount(sentence);
    if (words >= PASSAGE_MIN_WORDS && words + n > PASSAGE_MAX_WORDS) {
      pieces.push(current.join(' '));
      current = [];
      words = 0;
    }
    current.push(sentence);
    words += n;
  }
  if (current.length) pieces.push(current.join(' '));
  return pieces;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** Two urls name the same page when they differ only in case of host, a fragment or a trailing slash. */
function urlKey(url: string): string {
  try {
    const parsed = new URL(url.trim());
    parsed.hash = '';
    return `url:${parsed.href.replace(/\/$/, '')}`;
  } catch {
    return `url:${url.trim()}`;
  }
}
