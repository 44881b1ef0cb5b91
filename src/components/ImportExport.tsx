import { useId, useState } from "react";

/** What an import came to: an error message, a count, or null for a success without one. */
export type ImportOutcome = string | null | { imported: number; renamed?: number };

export interface ImportExportProps {
  /** Validates and stores the file; resolves to an error message on failure. */
  onImport(file: File): Promise<ImportOutcome>;
  /** The run on screen as JSON; the button shows only when given. */
  onExportRun?(): void;
  /** The run on screen as Markdown; the button shows only when given. */
  onExportMarkdown?(): void;
  /** The whole history as one JSON file (what session.import reads back). */
  onExportAll(): void;
}

type ImportState =
  | { kind: "idle" }
  | { kind: "busy"; name: string }
  | { kind: "error"; message: string }
  | { kind: "done"; imported: number | null; renamed: number };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Import a history or run file; export the current run or the whole history. Props only. */
export function ImportExport({
  onImport,
  onExportRun,
  onExportMarkdown,
  onExportAll,
}: ImportExportProps) {
  const [state, setState] = useState<ImportState>({ kind: "idle" });
  const inputId = useId();

  const importFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    // Cleared so choosing the same file again fires another change.
    input.value = "";
    if (!file) return;
    setState({ kind: "busy", name: file.name });
    let outcome: ImportOutcome;
    try {
      outcome = await onImport(file);
    } catch (error) {
      outcome = error instanceof Error ? error.message : String(error);
    }
    if (typeof outcome === "string") setState({ kind: "error", message: outcome });
    else if (outcome === null) setState({ kind: "done", imported: null, renamed: 0 });
    else setState({ kind: "done", imported: outcome.imported, renamed: outcome.renamed ?? 0 });
  };

  return (
    <div className="import-export" data-testid="session.importExport">
      <div className="import-export-row">
        <label htmlFor={inputId} className="label">
          Import runs (.json)
        </label>
        <input
          id={inputId}
          type="file"
          accept=".json,application/json"
          data-testid="session.import"
          disabled={state.kind === "busy"}
          onChange={(e) => void importFile(e.currentTarget)}
        />
        <button
          type="button"
          data-testid="session.export"
          onClick={onExportAll}
          title="Download every saved run as one JSON file"
        >
          Export history
        </button>
        {onExportRun && (
          <button
            type="button"
            data-testid="session.exportRun"
            onClick={onExportRun}
            title="Download this run as JSON"
          >
            Export run (JSON)
          </button>
        )}
        {onExportMarkdown && (
          <button
            type="button"
            data-testid="session.exportMarkdown"
            onClick={onExportMarkdown}
            title="Download this run as Markdown"
          >
            Export run (Markdown)
          </button>
        )}
      </div>
      {state.kind === "busy" && (
        <p className="muted" role="status">
          Importing {state.name}…
        </p>
      )}
      {state.kind === "error" && (
        <p className="inline-error" role="alert" data-testid="session.import.error">
          Import failed: {state.message}
        </p>
      )}
      {state.kind === "done" && (
        <p
          className="notice"
          role="status"
          data-testid="session.import.result"
          data-imported={state.imported ?? ""}
        >
          {state.imported === null
            ? "Import finished."
            : `Imported ${plural(state.imported, "run")}.`}
          {state.renamed > 0 &&
            ` ${plural(state.renamed, "run")} already in history ${state.renamed === 1 ? "was" : "were"} added as ${state.renamed === 1 ? "a copy" : "copies"}.`}
        </p>
      )}
    </div>
  );
}
