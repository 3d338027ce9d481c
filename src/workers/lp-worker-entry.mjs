// Worker-thread entry: registers tsx's loader (no build step) and hands piscina the
// TypeScript task function of lp-worker.ts.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./lp-worker.ts');
export default mod.default;
