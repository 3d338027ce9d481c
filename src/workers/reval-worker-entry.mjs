// Worker-thread entry: registers tsx's loader (no build step) and hands piscina the
// TypeScript task function of reval-worker.ts.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./reval-worker.ts');
export default mod.default;
