// Worker-thread entry: registers tsx's loader (no build step) and hands piscina the
// TypeScript task function of margin-worker.ts.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./margin-worker.ts');
export default mod.default;
