/** Every published JSON Schema, by the file name it is written to in docs/schema/. */
import type { TSchema } from 'typebox';
import { MarketSnapshotSchema } from './snapshot-json.ts';
import { PriceRequestSchema } from './price-request.ts';
import { PortfolioSchema } from './portfolio-input.ts';

/** File name → schema. `npm run schemas` writes them; a test checks they are current. */
export const SCHEMA_FILES: Readonly<Record<string, TSchema>> = {
  'market-snapshot.schema.json': MarketSnapshotSchema,
  'price-request.schema.json': PriceRequestSchema,
  'portfolio.schema.json': PortfolioSchema,
};
