/**
 * Deribit PM's public face: the model (with its optional faces: prepared market, incremental
 * what-if, linear terms), its id, version, parameters and result types, and the pieces of its
 * methodology other layers name on purpose (docs/methodology/deribit-pm.md): the grid
 * parameters of a currency pair (`pairParams`, `gridParams`, §5). The coin-delta convention
 * of the roll shock and Deribit's UI (§10) is a greek of the venue convention, in
 * src/risk/greeks.ts. optimize/ imports Deribit PM from here only
 * (test/optimize/public-face.test.ts).
 */
export {
  deribitPmModel,
  DERIBIT_PM_ID,
  DERIBIT_PM_VERSION,
  type DeribitPmDetails,
  type DeribitPmParams,
} from './deribit-pm.ts';
export { DERIBIT_PM_DEFAULT_PARAMS, gridParams, pairParams } from './params.ts';
