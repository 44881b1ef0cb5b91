import { useEffect, useState } from "react";
import {
  deleteAllCachedModels,
  deleteCachedModel,
  listCachedModels,
  requestPersistentStorage,
  storageEstimate,
  type CachedModel,
  type StorageEstimateView,
} from "../engine/modelCache";
import { formatBytes } from "../engine/progress";
import { useApp } from "../store/context";

/** Every cached model of both engines, with sizes, last use and deletion, and the storage estimate. */
export function ModelsManager() {
  const modelStatus = useApp((s) => s.modelStatus);
  const [models, setModels] = useState<CachedModel[] | null>(null);
  const [estimate, setEstimate] = useState<StorageEstimateView | null>(null);
  const [persisted, setPersisted] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);

  // Bumped after a deletion; a finished load (modelStatus) may also have cached something new.
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  useEffect(() => {
    let current = true;
    Promise.all([listCachedModels(), storageEstimate()]).then(
      ([list, est]) => {
        if (!current) return;
        setModels(list);
        setEstimate(est);
        setError(null);
      },
      (e: unknown) => current && setError(`Could not read the model cache: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      current = false;
    };
  }, [version, modelStatus]);

  const remove = async (model: CachedModel) => {
    try {
      await deleteCachedModel(model);
    } catch (e) {
      setError(`Could not delete ${model.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    refresh();
  };
  const removeAll = async () => {
    setConfirmAll(false);
    try {
      await deleteAllCachedModels();
    } catch (e) {
      setError(`Could not delete the cached models: ${e instanceof Error ? e.message : String(e)}`);
    }
    refresh();
  };

  return (
    <section className="panel models-manager" aria-labelledby="models-title" data-testid="models.page">
      <header className="panel-header">
        <h2 id="models-title">Cached models</h2>
        {estimate && (
          <span className="hint" data-testid="models.storage">
            Storage: {formatBytes(estimate.usageBytes)} used of {formatBytes(estimate.quotaBytes)}
            {persisted === true ? " · persistent" : ""}
          </span>
        )}
        <button
          type="button"
          className="small"
          data-testid="models.persist"
          onClick={() => void requestPersistentStorage().then(setPersisted, () => setPersisted(false))}
        >
          Keep models (persistent storage)
        </button>
        {persisted === false && <span className="hint">The browser declined; it may evict models when space runs low.</span>}
      </header>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {models === null ? (
        <p className="muted">Reading the cache…</p>
      ) : models.length === 0 ? (
        <p className="muted" data-testid="models.empty">
          No models are cached in this browser.
        </p>
      ) : (
        <>
          <table className="models-table" data-testid="models.list">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Engine</th>
                <th scope="col">Size on disk</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr key={`${m.engine} ${m.key}`} data-testid="models.item" data-engine={m.engine} data-key={m.key}>
                  <td>
                    {m.name}
                    {!m.complete && <span className="badge">incomplete download</span>}
                  </td>
                  <td>{m.engine === "webllm" ? "WebLLM" : "wllama"}</td>
                  <td>{formatBytes(m.sizeBytes)}</td>
                  <td>{m.lastUsed ? new Date(m.lastUsed).toLocaleString() : "—"}</td>
                  <td>
                    <button type="button" className="small" data-testid="models.delete" onClick={() => void remove(m)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {confirmAll ? (
            <p>
              Delete every cached model?{" "}
              <button type="button" className="small" data-testid="models.deleteAll.confirm" onClick={() => void removeAll()}>
                Delete all
              </button>{" "}
              <button type="button" className="small" onClick={() => setConfirmAll(false)}>
                Cancel
              </button>
            </p>
          ) : (
            <button type="button" className="small" data-testid="models.deleteAll" onClick={() => setConfirmAll(true)}>
              Delete all…
            </button>
          )}
        </>
      )}
    </section>
  );
}
