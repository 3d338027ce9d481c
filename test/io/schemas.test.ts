import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILES } from '../../src/io/schemas.ts';

describe('published JSON Schemas', () => {
  it.each(Object.keys(SCHEMA_FILES))('docs/schema/%s is current (run npm run schemas)', (file) => {
    const onDisk = JSON.parse(
      readFileSync(new URL(`../../docs/schema/${file}`, import.meta.url), 'utf8'),
    ) as unknown;
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(SCHEMA_FILES[file])));
  });
});
