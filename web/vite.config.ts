import { defineConfig } from "vite";

// Two pages: the investigator page (index.html) and GraphiQL (graphiql.html, served
// by the API at GET /graphql for browsers). Relative asset paths, so both work at
// "/" and at "/graphql", and behind a path prefix.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: {
        main: "index.html",
        graphiql: "graphiql.html",
      },
      // GraphiQL's React dependencies carry "use client" directives, meaningless in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: {
    proxy: { "/graphql": "http://127.0.0.1:8000" },
  },
});
