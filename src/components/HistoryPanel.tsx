import { useId, useState } from "react";
import type { SavedRunStatus, SavedRunSummary } from "../history/types";
import { Verdict } from "./Verdict";

export interface HistoryPanelProps {
  /** Newest first, already filtered by the current search. */
  runs: SavedRunSummary[];
  /** The run on screen, if it came from history. */
  activeId?: string | null;
  onOpen(id: string): void;
  onDelete(id: string): void;
  onRerun(id: string): void;
  onSearch(query: string): void;
  onExportAll(): void;
  onDeleteAll(): void;
}

const STATUS_LABEL: Record<SavedRunStatus, string> = {
  running: "running",
  complete: "complete",
  stopped: "stopped",
  failed: "failed",
  incomplete: "incomplete",
};

function formatDate(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Past runs, newest first: search, reopen, re-run, delete, export. Props only; the caller wires the store. */
export function HistoryPanel({
  runs,
  activeId = null,
  onOpen,
  onDelete,
  onRerun,
  onSearch,
  onExportAll,
  onDeleteAll,
}: HistoryPanelProps) {
  const [query, setQuery] = useState("");
  const [confirmingDeleteAll, setConfirmingDeleteAll] = useState(false);
  const searchId = useId();

  return (
    <section className="panel history" aria-label="History" data-testid="history.panel">
      <header className="panel-header">
        <h2>History</h2>
        <button type="button" data-testid="history.exportAll" onClick={onExportAll}>
          Export all
        </button>
        {confirmingDeleteAll ? (
          <span className="confirm" role="group" aria-label="Confirm deleting all history">
            <span>Delete every saved run? This cannot be undone.</span>
            <button
              type="button"
              data-testid="history.deleteAll.confirm"
              onClick={() => {
                setConfirmingDeleteAll(false);
                onDeleteAll();
              }}
            >
              Delete all
            </button>
            <button
              type="button"
              data-testid="history.deleteAll.cancel"
              onClick={() => setConfirmingDeleteAll(false)}
              autoFocus
            >
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            data-testid="history.deleteAll"
            onClick={() => setConfirmingDeleteAll(true)}
          >
            Delete all…
          </button>
        )}
      </header>

      <label className="label" htmlFor={searchId}>
        Search problems and answers
      </label>
      <input
        id={searchId}
        type="search"
        data-testid="history.search"
        value={query}
        placeholder="e.g. ducks, 42, \frac"
        onChange={(e) => {
          setQuery(e.currentTarget.value);
          onSearch(e.currentTarget.value);
        }}
      />

      {runs.length === 0 ? (
        <p className="muted" data-testid="history.empty">
          {query.trim()
            ? "No saved run matches this search."
            : "No saved runs yet. Every run is saved here as it streams."}
        </p>
      ) : (
        <ol className="history-list" data-testid="history.list">
          {runs.map((run) => {
            const when = formatDate(run.createdAt);
            return (
              <li
                key={run.id}
                className={`history-item${run.id === activeId ? " active" : ""}`}
                data-testid="history.item"
                data-status={run.status}
                data-id={run.id}
                aria-current={run.id === activeId ? "true" : undefined}
              >
                <div className="history-meta">
                  <time dateTime={new Date(run.createdAt).toISOString()}>{when}</time>
                  <span> · N = {run.n}</span>
                  {run.model && <span className="muted"> · {run.model}</span>}
                  {run.problemRef && (
                    <span className="muted">
                      {" "}
                      · {run.problemRef.dataset} {run.problemRef.id}
                    </span>
                  )}
                  {run.status !== "complete" && (
                    <span
                      className={`badge status-${run.status}`}
                      data-testid={`history.item.${run.status}`}
                    >
                      {STATUS_LABEL[run.status]}
                    </span>
                  )}
                </div>
                <p className="history-problem">
                  {run.problemExcerpt || <span className="muted">(empty problem)</span>}
                </p>
                <div
                  className="history-answer"
                  data-testid="history.item.answer"
                  data-answer={run.refinedAnswer ?? ""}
                >
                  <span className="label">Refined answer</span>{" "}
                  {run.refinedAnswer !== null ? (
                    <code>{run.refinedAnswer}</code>
                  ) : (
                    <span className="muted">none</span>
                  )}{" "}
                  <Verdict correct={run.refinedCorrect} testId="history.item.verdict" />
                </div>
                <div className="history-actions">
                  <button
                    type="button"
                    data-testid="history.item.open"
                    onClick={() => onOpen(run.id)}
                    aria-label={`Open the run from ${when}`}
                  >
                    Open
                  </button>
                  <button
                    type="button"
                    data-testid="history.item.rerun"
                    onClick={() => onRerun(run.id)}
                    aria-label={`Re-run the problem from ${when}`}
                  >
                    Re-run
                  </button>
                  <button
                    type="button"
                    data-testid="history.item.delete"
                    onClick={() => onDelete(run.id)}
                    aria-label={`Delete the run from ${when}`}
                  >
                    Delete
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
