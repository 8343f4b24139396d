// The offline follow-up rules: after a round, ask about what the pages read so far leave open.
// Deterministic (same steps, same follow-ups), so offline runs and tests repeat exactly:
//   1. what may have changed since the question's previous briefing (date-filtered where the API can);
//   2. a gap: the question asks for a figure and nothing read gives one;
//   3. leads: names (a plant, an agency, a company, a report) that several passages raise and no
//      query has asked about yet.
import type { Step } from '#core/session.ts';
import { extractFigures } from '#core/grounding/figures.ts';
import { contentTerms, splitSentences } from '#core/text-analysis.ts';
import type { FollowUp, FollowUpRequest } from '#kb/pipeline/types.ts';
import { coreTerms } from './rule.ts';

/** A question that asks how much wants a figure in its answer. */
const WANTS_FIGURE = /\b(?:how (?:much|many|dependent|reliant|large|big|fast)|depend\w*|relian\w*|share|percent\w*|proportion|volume|capacity|prices?|costs?|output|production|imports?|exports?)\b/i;

// Capitalised names of two to four words ("Mountain Pass", "Defense Production Act", "Lynas Rare
// Earths"), optionally joined by "of"/"and"/"for", and acronyms ("USGS", "IEA").
const NAME = /\b(?:[A-Z][\p{Ll}\p{Lu}’'-]+(?:\s+(?:of|and|for|de|la)\s+|\s+)){1,3}[A-Z][\p{Ll}\p{Lu}’'-]+\b|\b[A-Z]{2,6}s?\b/gu;

/** Capitalised words that start sentences or name times, not things to look up. */
const NOT_LEADS = new Set(
  'the this that these those in on at by for from with and but however while when where what which who a an it its as of to after before during since until january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday according'.split(' '),
);

/** Long names of what questions usually abbreviate: "United States" is the question's "US", no lead. */
const ALIASES: Record<string, string> = { 'united states': 'USA', 'united states of america': 'USA', 'united kingdom': 'UK', 'european union': 'EU' };

/** What a step's results say, as read: their passages where a page was read, else the snippet. */
export function readTexts(steps: Step[]): string[][] {
  return steps.flatMap((step) => step.results.map((r) => (r.passages?.length ? r.passages.map((p) => p.text) : [r.snippet ?? '']).filter(Boolean)));
}

export function ruleFollowUps(request: FollowUpRequest): FollowUp[] {
  const { question, steps, count } = request;
  if (count <= 0) return [];
  const subject = coreTerms(question).slice(0, 6).join(' ');
  const asked = steps.map((s) => s.query ?? '').filter(Boolean);
  const askedTerms = new Set([...asked, question].flatMap(contentTerms));
  const sources = readTexts(steps);
  const allText = sources.flat().join('\n');
  const out: FollowUp[] = [];
  const seen = new Set(asked.map(identity));
  const add = (f: FollowUp) => {
    const key = identity(f.query);
    if (!f.query.trim() || seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };

  if (request.previous) {
    const since = request.previous.generatedAt.slice(0, 10);
    add({ query: `${subject} latest`, reason: `what may have changed since the last briefing (${since})`, since });
  }
  if (WANTS_FIGURE.test(question) && !extractFigures(allText).some((f) => f.kind !== 'year')) {
    add({ query: `${subject} statistics`, reason: 'a gap: nothing read so far gives a figure' });
  }
  for (const lead of leads(sources, askedTerms)) {
    add({ query: `${lead.name} ${subject}`.split(/\s+/).slice(0, 12).join(' '), reason: `a lead the pages raised: ${lead.name} (named by ${lead.sources} source${lead.sources === 1 ? '' : 's'})` });
  }
  return out.slice(0, count);
}

/** Names the passages raise that no query asked about, most widely named first, then first seen. */
export function leads(sources: string[][], askedTerms: ReadonlySet<string>): Array<{ name: string; sources: number }> {
  const found = new Map<string, { name: string; sources: Set<number>; first: number }>();
  let order = 0;
  sources.forEach((texts, source) => {
    for (const text of texts) {
      for (const sentence of splitSentences(text)) {
        for (const match of sentence.matchAll(NAME)) {
          const name = trimName(match[0]);
          if (!name) continue;
          // The first word of a sentence is capitalised whatever it is: a lone one is not a name.
          if (match.index === 0 && !name.includes(' ') && !/^[A-Z]{2,}/.test(name)) continue;
          const terms = contentTerms(ALIASES[name.toLowerCase()] ?? name);
          if (!terms.length || terms.every((t) => askedTerms.has(t))) continue;
          const key = terms.join(' ');
          const entry = found.get(key) ?? { name, sources: new Set<number>(), first: order++ };
          entry.sources.add(source);
          found.set(key, entry);
        }
      }
    }
  });
  return [...found.values()]
    .sort((a, b) => b.sources.size - a.sources.size || a.first - b.first)
    .map((e) => ({ name: e.name, sources: e.sources.size }));
}

function trimName(raw: string): string | undefined {
  const words = raw.trim().split(/\s+/);
  while (words.length && NOT_LEADS.has(words[0]!.toLowerCase())) words.shift();
  while (words.length && NOT_LEADS.has(words.at(-1)!.toLowerCase())) words.pop();
  const name = words.join(' ').replace(/[’']s$/, '');
  return name.length >= 2 ? name : undefined;
}

/** A query's identity: its content terms as a set, so reworded repeats are not asked twice. */
function identity(query: string): string {
  return [...new Set(contentTerms(query))].sort().join(' ');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
