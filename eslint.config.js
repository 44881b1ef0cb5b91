import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

/**
 * Test doubles and fixtures live in `testing/` folders beside the tests that use
 * them; shipped code never imports them.
 */
const noTestDoubles = { group: ["**/testing/*", "./testing", "../testing"], message: "testing/ holds test doubles and fixtures: only tests may import them." };

/**
 * One folder's import boundary as no-restricted-imports rules: its shipped files
 * get the folder's groups plus the test-double ban, its tests (and testing/)
 * only the folder's groups. A later no-restricted-imports setting replaces an
 * earlier one, so each file must get all its groups from one block.
 */
function boundary(folder, groups, { testsExempt = false } = {}) {
  const rule = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });
  const tests = [`${folder}/**/*.test.ts`, `${folder}/**/testing/**`];
  const blocks = [{ files: [`${folder}/**/*.{ts,tsx}`], ignores: tests, rules: rule([...groups, noTestDoubles]) }];
  if (groups.length > 0 && !testsExempt) blocks.push({ files: tests, rules: rule(groups) });
  return blocks;
}

/** Imports flow one way: components → store → engine/gsr. These rules make the boundary hold. */
const pureCore = [
  { group: ["react", "react-*", "zustand", "zustand/*", "katex", "katex/*", "@wllama/*", "@mlc-ai/*"], message: "src/gsr is pure: no UI, state or engine libraries." },
  { group: ["../engine/*", "../store/*", "../components/*", "../render/*"], message: "src/gsr imports nothing from the rest of the app." },
];

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
  // Every src/ file first gets the test-double ban; the areas below add their own groups.
  ...boundary("src", []),
  ...boundary("src/gsr", pureCore),
  ...boundary("src/lineage", [
    { group: ["react", "react-*", "zustand", "zustand/*", "katex", "katex/*", "../store/*", "../components/*", "../engine/*", "../render/*"], message: "Step lineage is pure: it may use src/gsr, nothing of the UI, store or engines." },
  ]),
  ...boundary("src/benchmark", [
    { group: ["react", "react-*", "zustand", "zustand/*", "../store/*", "../components/*"], message: "Benchmark mode's runner and metrics know nothing of the UI or the store." },
  ]),
  ...boundary("src/engine", [
    { group: ["react", "react-*", "zustand", "zustand/*", "../store/*", "../../store/*", "../components/*", "../../components/*"], message: "Engines know nothing of the UI or the store." },
  ]),
  // History tests may import the store's types to prove the structural types still match.
  ...boundary("src/history", [
    { group: ["react", "react-*", "zustand", "zustand/*", "../store/*", "../components/*", "../engine/*"], message: "History is storage and formats only: no UI, store or engine." },
  ], { testsExempt: true }),
  ...boundary("src/store", [{ group: ["../components/*"], message: "The store does not import components." }]),
);
