/**
 * Bench page: the real app (components, store, wllama worker and client), as
 * src/main.tsx builds it, plus the hooks perf/*.ts reads (hooks.ts) and a
 * bench-only switch for sequential candidates. Never part of the app's build.
 */
import { WllamaEngine } from "../../src/engine/wllama/client";
import { createAppStore } from "../../src/store";
import { mountApp } from "../../src/mountApp";
import "../../src/styles.css";
import "../../src/components/narrow/Narrow.css";
import { perfHooks } from "./recorder";
import { SequentialSwitch } from "./sequential-switch";

const engine = new SequentialSwitch(new WllamaEngine());
const store = createAppStore({ engine });

window.__perfApp = {
  ...perfHooks(store),
  setSequential: (on) => {
    engine.sequential = on;
  },
};

mountApp(store);
