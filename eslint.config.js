import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

/** Imports flow one way: components → store → engine/gsr. These rules make the boundary hold. */
const pureCore = {
  patterns: [
    { group: ["react", "react-*", "zustand", "zustand/*", "katex", "katex/*", "@wllama/*", "@mlc-ai/*"], message: "src/gsr is pure: no UI, state or engine libraries." },
    { group: ["../engine/*", "../store/*", "../components/*", "../render/*"], message: "src/gsr imports nothing from the rest of the app." },
  ],
};

export default tseslint.config(
  { ignores: ["dist", "dist-*", "node_modules", "test-results", "playwright-report", "models", ".scratch"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.tsx", "src/store/**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  { files: ["src/gsr/**/*.ts"], rules: { "no-restricted-imports": ["error", pureCore] } },
  {
    files: ["src/bench/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["react", "react-*", "zustand", "zustand/*", "../store/*", "../components/*"], message: "Benchmark mode's runner and metrics know nothing of the UI or the store." }] },
      ],
    },
  },
  {
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["react", "react-*", "zustand", "zustand/*", "../store/*", "../../store/*", "../components/*", "../../components/*"], message: "Engines know nothing of the UI or the store." }] },
      ],
    },
  },
  {
    files: ["src/history/**/*.ts"],
    // Tests may import the store's types to prove the structural types still match.
    ignores: ["src/history/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["react", "react-*", "zustand", "zustand/*", "../store/*", "../components/*", "../engine/*"], message: "History is storage and formats only: no UI, store or engine." }] },
      ],
    },
  },
  {
    files: ["src/store/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["../components/*"], message: "The store does not import components." }] }],
    },
  },
);
