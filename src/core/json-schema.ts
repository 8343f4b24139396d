import { fileURLToPath } from 'node:url';
import { z } from 'astro/zod';
import { SessionInput } from './session.ts';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/session.schema.json', import.meta.url));

/** The JSON Schema of session JSON as `kb import` takes it, as committed text. */
export function sessionJsonSchema(): string {
  const schema = {
    ...z.toJSONSchema(SessionInput, { io: 'input' }),
    title: 'Briefing knowledge base session',
    description: 'One research session: a question, its analysis and the search results of each step. Accepted by `kb import`.',
  };
  return JSON.stringify(schema, null, 2) + '\n';
}
