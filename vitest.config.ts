import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "scripts/**/*.test.ts", "perf/*.test.ts"],
    environment: "node",
    // CI has 2 cores; some tests build whole GGUF models. Speed is measured by `npm run bench`, not here.
    testTimeout: 30_000,
  },
});
