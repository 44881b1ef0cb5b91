import { useState } from "react";
import { useApp } from "../store/context";

/** Results as CSV/JSON, and GSR training data (counts first, then the download). */
export function BenchmarkExport() {
  const hasBenchmark = useApp((s) => s.benchmark !== null);
  const scored = useApp((s) => s.benchmark?.results.filter((r) => r.score !== null).length ?? 0);
  const exportBenchmark = useApp((s) => s.exportBenchmark);
  const prepare = useApp((s) => s.prepareTrainingExport);
  const download = useApp((s) => s.downloadTrainingExport);
  const preview = useApp((s) => s.trainingPreview);
  const [fromBenchmark, setFromBenchmark] = useState(true);
  const [fromHistory, setFromHistory] = useState(true);
  const [preparing, setPreparing] = useState(false);

  const showCounts = async () => {
    setPreparing(true);
    try {
      await prepare({ benchmark: fromBenchmark && hasBenchmark, history: fromHistory });
    } finally {
      setPreparing(false);
    }
  };
  const total = preview ? preview.counts.directSolve + preview.counts.refine : 0;

  return (
    <section className="bench-export" aria-label="Export">
      <h3>Export</h3>
      <div className="import-export">
        <button type="button" data-testid="bench.export.csv" disabled={scored === 0} onClick={() => void exportBenchmark("csv")}>
          Results (CSV)
        </button>
        <button type="button" data-testid="bench.export.json" disabled={scored === 0} onClick={() => void exportBenchmark("json")}>
          Results with solutions (JSON)
        </button>
      </div>
      <div className="bench-training">
        <p className="hint">
          GSR training data: chat-format JSONL with direct-solve records (solve prompt + a correct candidate) and refine records (refine prompt with the
          N candidates + a correct refined solution, also where every candidate was wrong). Only complete solutions whose boxed answer matches the reference.
        </p>
        <div className="import-export">
          <label>
            <input type="checkbox" data-testid="bench.training.fromBench" checked={fromBenchmark} disabled={!hasBenchmark} onChange={(e) => setFromBenchmark(e.target.checked)} /> from
            this benchmark
          </label>
          <label>
            <input type="checkbox" data-testid="bench.training.fromHistory" checked={fromHistory} onChange={(e) => setFromHistory(e.target.checked)} /> from saved
            runs of bank problems
          </label>
          <button type="button" data-testid="bench.export.training" disabled={preparing || (!fromHistory && !(fromBenchmark && hasBenchmark))} onClick={() => void showCounts()}>
            {preparing ? "Counting…" : "Training data (JSONL)…"}
          </button>
        </div>
        {preview && (
          <div className="bench-training-preview" data-testid="bench.training.preview">
            <span data-testid="bench.training.direct" data-count={preview.counts.directSolve}>
              {preview.counts.directSolve} direct-solve
            </span>
            {" · "}
            <span data-testid="bench.training.refine" data-count={preview.counts.refine}>
              {preview.counts.refine} refine
            </span>{" "}
            <span className="muted" data-testid="bench.training.rescue" data-count={preview.counts.refineAllWrong}>
              ({preview.counts.refineAllWrong} where all candidates were wrong)
            </span>
            {preview.sources.history && <span className="muted"> · {preview.historyRuns} saved runs read</span>}
            <button type="button" className="primary" data-testid="bench.training.download" disabled={total === 0} onClick={download}>
              Download {total} record{total === 1 ? "" : "s"}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
