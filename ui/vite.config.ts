import { defineConfig } from "vite"

// Preact through esbuild's automatic JSX runtime: no framework plugin needed, everything bundled
// into ui/dist (no CDN at run time).
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500, reportCompressedSize: false }
})
