import { useEffect } from "react";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "../store/context";
import { HistoryPanel } from "./HistoryPanel";
import { ImportExport } from "./ImportExport";

/** History and import/export, wired to the store. */
export function HistorySection() {
  const runs = useApp(useShallow((s) => s.historyRuns));
  const error = useApp((s) => s.historyError);
  const shownRunId = useApp((s) => s.shownRunId);
  const running = useApp((s) => s.run?.status === "running");
  const actions = useApp(
    useShallow((s) => ({
      refresh: s.refreshHistory,
      open: s.openRun,
      rerun: s.rerun,
      remove: s.deleteRun,
      removeAll: s.deleteAllRuns,
      importHistory: s.importHistory,
      exportAll: s.exportAllRuns,
      exportShown: s.exportShownRun,
    })),
  );
  useEffect(() => {
    void actions.refresh();
  }, [actions]);

  return (
    <div className="history-section">
      {error && (
        <p className="inline-error" role="alert" data-testid="history.error">
          {error}
        </p>
      )}
      <ImportExport
        onImport={actions.importHistory}
        onExportAll={() => void actions.exportAll()}
        {...(shownRunId && !running
          ? { onExportRun: () => void actions.exportShown("json"), onExportMarkdown: () => void actions.exportShown("md") }
          : {})}
      />
      <HistoryPanel
        runs={runs}
        {...(shownRunId ? { activeId: shownRunId } : {})}
        onOpen={(id) => void actions.open(id)}
        onRerun={(id) => void actions.rerun(id)}
        onDelete={(id) => void actions.remove(id)}
        onSearch={(q) => void actions.refresh(q)}
        onExportAll={() => void actions.exportAll()}
        onDeleteAll={() => void actions.removeAll()}
      />
    </div>
  );
}
