/**
 * Writes the JSON Schema files in docs/schema/ from the schemas the code validates with,
 * so the documentation cannot drift from the code (test/io/schemas.test.ts checks it).
 * Run: npm run schemas
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { SCHEMA_FILES } from '../src/io/schemas.ts';

mkdirSync('docs/schema', { recursive: true });
for (const [file, schema] of Object.entries(SCHEMA_FILES)) {
  writeFileSync(`docs/schema/${file}`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote docs/schema/${file}`);
}
