import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sessionJsonSchema, SCHEMA_PATH } from './json-schema.ts';

describe('the shipped JSON Schema', () => {
  it('is exactly what the zod schema generates (run npm run schema after changing session.ts)', async () => {
    expect(await readFile(SCHEMA_PATH, 'utf8')).toBe(sessionJsonSchema());
  });

  it('accepts the contract example and rejects a session with an unknown field', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(sessionJsonSchema()));
    const example = {
      id: '8e0c65b3-0d2f-48bd-bf11-594d2ccc9279',
      query: 'What is the import dependency of the US on China for rare earths?',
      generatedAt: '2026-01-27T05:52:47Z',
      summary: 'markdown, optional',
      analysis: 'markdown',
      tags: ['optional'],
      steps: [{ id: 'step_0', query: 'sub-query, optional', results: [{ title: 't', url: 'https://www.cnn.com/x', snippet: 's', source: 'www.cnn.com' }] }],
    };
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, layout: '../../etc/passwd' })).toBe(false);
    expect(validate({ ...example, generatedAt: 'yesterday' })).toBe(false);
  });
});
