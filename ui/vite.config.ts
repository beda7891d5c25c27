import { defineConfig } from "vitest/config";

// Tauri serves the built files; the dev server is for `tauri dev` only.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  test: { environment: "jsdom", globals: true },
});
