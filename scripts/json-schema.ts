// Writes schema/session.schema.json from the zod schema, so the JSON Schema never drifts from
// what `kb import` accepts. `npm run schema` regenerates it; a test fails when it is stale.
import { writeFile } from 'node:fs/promises';
import { sessionJsonSchema, SCHEMA_PATH } from '#core/json-schema.ts';

await writeFile(SCHEMA_PATH, sessionJsonSchema());
console.log(`wrote ${SCHEMA_PATH}`);
