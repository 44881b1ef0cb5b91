/**
 * Bench page: the real app (components, store, wllama worker and client), as
 * src/main.tsx builds it, plus the hooks scripts/bench reads (hooks.ts) and a
 * bench-only switch for sequential candidates. Never part of the app's build.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "../src/components/App";
import { WllamaEngine } from "../src/engine/wllama/client";
import { createAppStore } from "../src/store";
import { AppStoreContext } from "../src/store/context";
import "../src/styles.css";
import { benchHooks } from "./recorder";
import { SequentialSwitch } from "./sequential-switch";

const engine = new SequentialSwitch(new WllamaEngine());
const store = createAppStore({ engine });

window.__benchApp = {
  ...benchHooks(store),
  setSequential: (on) => {
    engine.sequential = on;
  },
};

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AppStoreContext.Provider value={store}>
      <App />
    </AppStoreContext.Provider>
  </StrictMode>,
);
