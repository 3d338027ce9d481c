// Worker-thread entry of the optimizer pool: registers tsx's loader (no build step) and hands
// piscina the TypeScript task function of optimizer-worker.ts.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./optimizer-worker.ts');
export default mod.default;
