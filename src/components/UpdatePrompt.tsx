import { useRegisterSW } from "virtual:pwa-register/react";
import { useApp } from "../store/context";

/**
 * Registers the service worker (offline app) and offers a new version when one is
 * ready. The page never reloads by itself, so a run in progress is never cut off.
 */
export function UpdatePrompt() {
  const running = useApp((s) => s.run?.status === "running");
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW();
  if (!needRefresh && !offlineReady) return null;
  return (
    <div className="update-prompt" role="status" data-testid="app.update">
      {needRefresh ? (
        <>
          <span>A new version of Refinery is ready.</span>
          <button type="button" className="primary" disabled={running} onClick={() => void updateServiceWorker(true)}>
            {running ? "Reload after this run" : "Reload"}
          </button>
          <button type="button" onClick={() => setNeedRefresh(false)}>
            Later
          </button>
        </>
      ) : (
        <>
          <span>Refinery now works offline (models you load stay cached too).</span>
          <button type="button" onClick={() => setOfflineReady(false)}>
            OK
          </button>
        </>
      )}
    </div>
  );
}
