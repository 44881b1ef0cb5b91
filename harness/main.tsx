/**
 * Test-only page: the real <App/> on the real store and real history
 * (IndexedDB), with a scripted engine in place of wllama/WebLLM, so e2e specs
 * can stream hostile output and inject engine and storage faults without a
 * model. Built only when REFINERY_HARNESS=1 (vite.config.ts); never part of
 * the production build.
 */
import { applyDeepLink } from "../src/deepLink";
import { createHistory, type RunHistory } from "../src/history/db";
import { createAppStore } from "../src/store";
import { mountApp } from "../src/mountApp";
import "../src/styles.css";
import "../src/components/narrow/Narrow.css";
import { HARNESS_MODEL_URL, type RefineryTestApi, type SerializedFault } from "./protocol";
import { ScriptedEngine } from "./scriptedEngine";

declare global {
  interface Window {
    __refineryTest?: RefineryTestApi;
  }
}

const engine = new ScriptedEngine();

/** The real history, with saves that can be made to fail the way a full disk fails them. */
const realHistory = createHistory();
let saveFault: SerializedFault | null = null;
const history: RunHistory = {
  ...realHistory,
  saveRun: async (run) => {
    engine.stats.saves++;
    if (saveFault) {
      engine.stats.failedSaves++;
      throw new DOMException(saveFault.message, saveFault.name);
    }
    return realHistory.saveRun(run);
  },
};

const store = createAppStore({ engine, history });
store.getState().setModelChoice({ kind: "url", url: HARNESS_MODEL_URL });
applyDeepLink(location, store);
addEventListener("hashchange", () => applyDeepLink(location, store));

window.__refineryTest = {
  setScript: (script) => {
    engine.script = { ...engine.script, ...structuredClone(script) };
  },
  failSaves: (error) => {
    saveFault = error;
  },
  stats: () => ({ ...engine.stats }),
  state: () => {
    const s = store.getState();
    return {
      modelStatus: s.modelStatus,
      runStatus: s.run?.status ?? null,
      runReason: s.run?.reason ?? null,
      problem: s.problem,
      historyError: s.historyError,
      banner: s.banner?.title ?? s.modelError?.title ?? null,
    };
  },
};

mountApp(store);
