import { lazy, Suspense, useContext, useEffect, useState } from "react";
import { AppStoreContext, useApp } from "../store/context";
import { loadGsr } from "../store/gsrModule";
import { ErrorBanner } from "./ErrorBanner";
import { HistorySection } from "./HistorySection";
import { ModelPanel } from "./ModelPanel";
import { ModelsManager } from "./ModelsManager";
import { HeaderMenu } from "./narrow/HeaderMenu";
import { NARROW_QUERY } from "./narrow/layout";
import { useMediaQuery } from "./narrow/useMediaQuery";
import { ProblemPanel } from "./ProblemPanel";
import { RunControls } from "./RunControls";
import { UpdatePrompt } from "./UpdatePrompt";
import { ViewControls } from "./ViewControls";

// The renderer (KaTeX, Markdown) and the math parser load after the page, not with it.
const importRunView = () => import("./RunView");
const RunView = lazy(importRunView);
const BenchmarkPage = lazy(() => import("./BenchmarkPage"));

export function App() {
  const store = useContext(AppStoreContext)!;
  const hasRun = useApp((s) => s.run !== null);
  // From the start of a load: a Run pressed meanwhile starts the moment the model is ready.
  const modelComing = useApp((s) => s.modelStatus === "ready" || s.modelStatus === "loading");
  const [showModels, setShowModels] = useState(false);
  const [showBenchmark, setShowBenchmark] = useState(false);
  const narrow = useMediaQuery(NARROW_QUERY);

  // Fetch the run's code while the user types the problem.
  useEffect(() => {
    if (modelComing) void Promise.all([importRunView(), loadGsr()]).catch(() => undefined);
  }, [modelComing]);

  // Ctrl/Cmd+Enter runs, Esc stops — from anywhere on the page.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void store.getState().startRun();
      } else if (e.key === "Escape") {
        store.getState().stopRun();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store]);

  return (
    <div className="app">
      <header className="app-header">
        <div className="title-row">
          <h1>
            Refinery <span className="tagline">generative self-refinement, on your device</span>
          </h1>
          <HeaderMenu collapsible={narrow}>
            <button type="button" data-testid="models.open" aria-expanded={showModels} onClick={() => setShowModels((v) => !v)}>
              Models
            </button>
            <button type="button" data-testid="bench.open" aria-expanded={showBenchmark} onClick={() => setShowBenchmark((v) => !v)}>
              Benchmark
            </button>
            <ViewControls />
          </HeaderMenu>
        </div>
        {showModels && <ModelsManager />}
        <ModelPanel />
      </header>
      <ErrorBanner />
      <UpdatePrompt />
      <main>
        {showBenchmark && (
          <Suspense fallback={<p className="muted">Loading the benchmark…</p>}>
            <BenchmarkPage />
          </Suspense>
        )}
        <section className="problem-section" aria-label="Problem">
          <ProblemPanel />
          <RunControls />
        </section>
        {hasRun && (
          <Suspense fallback={<p className="muted">Preparing the run view…</p>}>
            <RunView />
          </Suspense>
        )}
        <HistorySection />
      </main>
    </div>
  );
}
