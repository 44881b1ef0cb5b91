import "./Benchmark.css";

import { useEffect, useState } from "react";
import { isResumable } from "../benchmark/state";
import type { MetricName } from "../benchmark/metrics";
import { useApp } from "../store/context";
import { BenchmarkChart } from "./BenchmarkChart";
import { BenchmarkExport } from "./BenchmarkExport";
import { BenchmarkDrilldown, BenchmarkSummaryTable, BenchmarkTable } from "./BenchmarkResults";
import { BenchmarkSetup } from "./BenchmarkSetup";

/**
 * Benchmark mode: the paper's comparison (pass@1, maj@N, maj@(N+1), GSR, gap,
 * rescue and regression) over a subset of a problem bank, on this device.
 * Loaded lazily from App; progress survives a reload (IndexedDB).
 */
export default function BenchmarkPage() {
  const restore = useApp((s) => s.restoreBenchmark);
  const restored = useApp((s) => s.benchmarkRestored);
  const hasBenchmark = useApp((s) => s.benchmark !== null);
  const summary = useApp((s) => s.benchmarkSummary);
  const n = useApp((s) => s.benchmark?.meta.settings.n ?? 0);
  const error = useApp((s) => s.benchmarkError);
  const dismiss = useApp((s) => s.dismissBenchmarkError);
  const [metric, setMetric] = useState<MetricName | null>(null);

  useEffect(() => {
    void restore();
  }, [restore]);

  return (
    <section className="benchmark panel" data-testid="bench.page" aria-label="Benchmark">
      <h2>Benchmark: refinement vs majority voting, on this device</h2>
      <p className="hint">
        Runs every problem of a subset through the same GSR loop as a single run and compares the refined answer with the majority vote of the same
        candidates. Progress is saved after each problem: after a reload, load the model again and resume.
      </p>
      {error && (
        <p className="notice" role="alert" data-testid="bench.error">
          {error}{" "}
          <button type="button" className="small" onClick={dismiss}>
            Dismiss
          </button>
        </p>
      )}
      <BenchmarkSetup />
      {restored && hasBenchmark && <BenchmarkControls />}
      {summary && summary.problems > 0 && (
        <>
          <BenchmarkSummaryTable selected={metric} onSelect={setMetric} />
          {metric && <BenchmarkDrilldown metric={metric} onClose={() => setMetric(null)} />}
          <BenchmarkChart summary={summary} n={n} />
        </>
      )}
      {hasBenchmark && <BenchmarkTable />}
      <BenchmarkExport />
    </section>
  );
}

function BenchmarkControls() {
  const bench = useApp((s) => s.benchmark)!;
  const activity = useApp((s) => s.benchmarkActivity);
  const live = useApp((s) => s.benchmarkLive);
  const pause = useApp((s) => s.pauseBenchmark);
  const resume = useApp((s) => s.resumeBenchmark);
  const stop = useApp((s) => s.stopBenchmark);
  const discard = useApp((s) => s.discardBenchmark);
  const total = bench.results.length;
  const finished = bench.results.filter((r) => r.status === "done" || r.status === "failed").length;
  const status = bench.meta.status;
  const active = activity !== "idle";
  const resumable = !active && isResumable(bench);

  const text = (() => {
    if (activity === "pausing") return "Pausing…";
    if (activity === "stopping") return "Stopping…";
    if (active) return live ? `Problem ${live.index + 1} of ${total}: ${live.phase === "refine" ? "refining" : "candidates"}…` : "Running…";
    switch (status) {
      case "complete":
        return `Complete: ${finished} of ${total} problems.`;
      case "stopped":
        return `Stopped after ${finished} of ${total} problems.`;
      case "interrupted":
        return `Interrupted: ${finished} of ${total} done. ${bench.meta.reason ?? ""} Load the model, then resume.`;
      case "paused":
        return `Paused: ${finished} of ${total} done.${bench.meta.reason ? ` ${bench.meta.reason}` : ""}`;
      case "running":
        return "Running…";
    }
  })();

  return (
    <div className="bench-controls">
      <progress max={total} value={finished} aria-label="Problems finished" />
      <span data-testid="bench.status" data-status={active ? activity : status} role="status">
        {text}
      </span>
      <span className="muted">
        {bench.meta.model || "unknown model"} ({bench.meta.engine}) · {bench.meta.subset.dataset} · N = {bench.meta.settings.n} · T ={" "}
        {bench.meta.settings.sampling.temperature}
      </span>
      <div className="run-buttons">
        {active && (
          <button type="button" data-testid="bench.pause" onClick={pause} disabled={activity !== "running"}>
            Pause
          </button>
        )}
        {resumable && (
          <button type="button" className="primary" data-testid="bench.resume" onClick={() => void resume()}>
            Resume
          </button>
        )}
        {(active || resumable) && (
          <button type="button" data-testid="bench.stop" onClick={() => void stop()} disabled={activity === "stopping"}>
            Stop
          </button>
        )}
        {!active && (
          <button
            type="button"
            data-testid="bench.discard"
            onClick={() => {
              if (window.confirm("Discard this benchmark's results?")) void discard();
            }}
          >
            Discard
          </button>
        )}
      </div>
    </div>
  );
}
