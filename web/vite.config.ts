// Builds the dashboard into web/bundle (committed; `ballast serve` serves it at /).
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: 'bundle', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
