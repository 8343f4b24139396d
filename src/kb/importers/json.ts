// Session JSON → Session. The input shape is `SessionInput` (session.ts): the stored shape with
// the derivable fields optional. Unknown fields are refused, never dropped.
import { z } from 'astro/zod';
import { Session, SessionInput, deriveStatus, sessionProblems } from '#core/session.ts';
import { ImportError, baseName, normaliseDeep, querySlugFor } from './common.ts';
import { withGrounding } from '#core/grounding/index.ts';

export interface JsonImportOptions {
  /** sha256 of the file's bytes, recorded in provenance when the input has none. */
  sha256?: string;
}

const SCHEMA_HINT = 'Fix the fields named above (schema/session.schema.json describes the format) and import again.';

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** One session object or an array of them → validated, completed sessions. */
export function parseSessionJson(value: unknown, file: string, options: JsonImportOptions = {}): Session[] {
  const many = Array.isArray(value);
  const items: unknown[] = many ? value : [value];
  if (many && items.length === 0) {
    throw new ImportError(file, 'holds an empty array — no sessions to import. A session JSON file holds one session object or an array of them.');
  }

  const problems: string[] = [];
  const sessions: Session[] = [];
  items.forEach((item, index) => {
    const where = many ? `[${index}]` : '';
    const prefix = (line: string): string => {
      if (!many) return line;
      return line.startsWith('(top level)') ? `${where}${line.slice('(top level)'.length)}` : `${where}.${line}`;
    };
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${many ? where : '(top level)'}: expected a session object, got ${describeValue(item)}`);
      return;
    }
    const normalised = normaliseDeep(item);
    const input = SessionInput.safeParse(normalised);
    if (!input.success) {
      problems.push(...sessionProblems(input.error, normalised).map(prefix));
      return;
    }
    const data = input.data;
    const session = {
      ...data,
      querySlug: data.querySlug ?? querySlugFor(data.query, data.id),
      tags: data.tags ?? [],
      status: data.status ?? deriveStatus(data.steps),
      provenance: data.provenance ?? {
        format: 'session-json' as const,
        file: baseName(file),
        ...(options.sha256 ? { sha256: options.sha256 } : {}),
      },
    };
    const checked = Session.safeParse(session);
    if (!checked.success) {
      problems.push(...sessionProblems(checked.error, session).map(prefix));
      return;
    }
    // Grounding (issue 8): counts recomputed here, never taken from the file; a recorded verify pass is kept.
    sessions.push(withGrounding(checked.data));
  });

  if (problems.length) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    throw new ImportError(file, `is not valid session JSON (${count}):\n  ${problems.join('\n  ')}\n${SCHEMA_HINT}`, problems);
  }

  const seen = new Map<string, number>();
  sessions.forEach((s, index) => {
    const earlier = seen.get(s.id);
    if (earlier !== undefined) {
      throw new ImportError(file, `holds session id "${s.id}" twice (items [${earlier}] and [${index}]); each session needs its own id. Remove or rename one and import again.`);
    }
    seen.set(s.id, index);
  });
  return sessions;
}
