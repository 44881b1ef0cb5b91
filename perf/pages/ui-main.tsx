/**
 * Bench page for the streaming UI: the real App components and the real store,
 * on a test-double engine (fake/engine.ts) that streams LaTeX-heavy solutions at
 * a fixed rate. It measures rendering, not inference.
 */
import { createAppStore } from "../../src/store";
import { mountApp } from "../../src/mountApp";
import { animationFrame } from "../../src/store/frameBatcher";
import "../../src/styles.css";
import "../../src/components/narrow/Narrow.css";
import { FakeEngine } from "./fake/engine";
import { perfHooks } from "./recorder";

const engine = new FakeEngine();
// ?pace=frame: streamed text reaches the store on every animation frame, however many
// sequences stream (the store's `schedule` dependency ignoring the pause it is asked
// for), to show side by side what the app's pacing (frameBatcher's streamPause) saves.
const everyFrame = new URLSearchParams(location.search).get("pace") === "frame";
const store = createAppStore(everyFrame ? { engine, schedule: (flush) => animationFrame(flush, 0) } : { engine });

window.__perfUi = {
  ...perfHooks(store),
  configure: (plan) => {
    engine.plan = { ...plan };
  },
  streamingSince: () => engine.streamingSince,
};

mountApp(store);
