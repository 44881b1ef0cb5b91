/**
 * Bench page for the streaming UI: the real App components and the real store,
 * on a test-double engine (fake/engine.ts) that streams LaTeX-heavy solutions at
 * a fixed rate. It measures rendering, not inference.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "../src/components/App";
import { createAppStore } from "../src/store";
import { AppStoreContext } from "../src/store/context";
import "../src/styles.css";
import { FakeEngine } from "./fake/engine";
import { benchHooks } from "./recorder";

const engine = new FakeEngine();
// ?flushMs=N: streamed text reaches the store every N ms instead of every animation
// frame (the store's own `schedule` dependency), to show what the update rate costs.
const flushMs = Number(new URLSearchParams(location.search).get("flushMs")) || 0;
const store = createAppStore(flushMs > 0 ? { engine, schedule: (flush) => void setTimeout(flush, flushMs) } : { engine });

window.__benchUi = {
  ...benchHooks(store),
  configure: (plan) => {
    engine.plan = { ...plan };
  },
  streamingSince: () => engine.streamingSince,
};

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AppStoreContext.Provider value={store}>
      <App />
    </AppStoreContext.Provider>
  </StrictMode>,
);
