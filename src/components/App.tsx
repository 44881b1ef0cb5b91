import { useEffect } from "react";
import { useContext } from "react";
import { AppStoreContext, useApp } from "../store/context";
import { CandidateGrid } from "./CandidateGrid";
import { ErrorBanner } from "./ErrorBanner";
import { ModelPanel } from "./ModelPanel";
import { ProblemPanel } from "./ProblemPanel";
import { RefinedPanel } from "./RefinedPanel";
import { RunControls } from "./RunControls";
import { VoteSummary } from "./VoteSummary";

export function App() {
  const store = useContext(AppStoreContext)!;
  const hasRun = useApp((s) => s.run !== null);

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
        <h1>
          Refinery <span className="tagline">generative self-refinement, on your device</span>
        </h1>
        <ModelPanel />
      </header>
      <ErrorBanner />
      <main>
        <section className="problem-section" aria-label="Problem">
          <ProblemPanel />
          <RunControls />
        </section>
        {hasRun && (
          <>
            <CandidateGrid />
            <VoteSummary />
            <RefinedPanel />
          </>
        )}
      </main>
    </div>
  );
}
