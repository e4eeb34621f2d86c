import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `vite dev` proxies the API to a running `pnpm vigie start` (VIGIE_API_URL, default http://127.0.0.1:8080).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // maplibre and deck.gl are large by nature; keep them in their own cacheable chunks
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('maplibre-gl')) return 'maplibre';
          if (id.includes('@deck.gl') || id.includes('@luma.gl') || id.includes('@loaders.gl') || id.includes('@math.gl')) return 'deckgl';
          if (id.includes('node_modules/react')) return 'react';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: { '/api': { target: process.env.VIGIE_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
