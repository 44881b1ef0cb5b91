import { formatBytes, formatDuration } from "../engine/progress";
import { GGUF_CATALOG } from "../engine/wllama/catalog";
import { useApp } from "../store/context";
import type { ModelChoice } from "../store/modelSlice";
import { ServerFields, ServerModelOptions } from "./ServerFields";

const URL_OPTION = "__url";
const FILE_OPTION = "__file";
const CUSTOM_OPTION = "__webllm_custom";

function choiceValue(choice: ModelChoice): string {
  switch (choice.kind) {
    case "catalog":
      return choice.id;
    case "url":
      return URL_OPTION;
    case "file":
      return FILE_OPTION;
    case "webllm":
      return choice.modelId;
    case "webllm-custom":
      return CUSTOM_OPTION;
    case "remote":
      return choice.model;
  }
}

export function ModelPanel() {
  const engineKind = useApp((s) => s.engineKind);
  const choice = useApp((s) => s.modelChoice);
  const status = useApp((s) => s.modelStatus);
  const model = useApp((s) => s.model);
  const running = useApp((s) => s.run?.status === "running");
  const storageWarning = useApp((s) => s.storageWarning);
  const setChoice = useApp((s) => s.setModelChoice);
  const loadModel = useApp((s) => s.loadModel);
  const cancelLoad = useApp((s) => s.cancelLoad);

  const onSelect = (value: string) => {
    if (value === URL_OPTION) setChoice({ kind: "url", url: "" });
    else if (value === FILE_OPTION) setChoice({ kind: "file", file: null });
    else if (value === CUSTOM_OPTION) setChoice({ kind: "webllm-custom", modelUrl: "", libUrl: "" });
    else if (engineKind === "remote") setChoice({ kind: "remote", model: value });
    else if (engineKind === "webllm") setChoice({ kind: "webllm", modelId: value });
    else setChoice({ kind: "catalog", id: value });
  };

  return (
    <div className="model-panel">
      {engineKind === "remote" && <ServerFields />}
      <div className="model-row">
        <label>
          <span className="label">Model</span>
          <select data-testid="model.select" value={choiceValue(choice)} onChange={(e) => onSelect(e.target.value)} disabled={status === "loading"}>
            {engineKind === "webllm" ? <WebLlmOptions /> : engineKind === "remote" ? <ServerModelOptions /> : <GgufOptions />}
          </select>
        </label>
        <ChoiceInputs choice={choice} />
        {status === "loading" ? (
          <button type="button" data-testid="model.cancel" onClick={cancelLoad}>
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" data-testid="model.load" onClick={() => void loadModel()} disabled={running}>
            Load
          </button>
        )}
        <EngineName />
      </div>
      {status !== "loading" && <ChoiceHint choice={choice} />}
      {storageWarning && (
        <p className="notice" role="alert" data-testid="model.storageWarning">
          {storageWarning}{" "}
          <button type="button" className="small" onClick={() => void loadModel({ ignoreStorageWarning: true })}>
            Load anyway
          </button>
        </p>
      )}
      <LoadProgress />
      {status === "ready" && model && (
        <p className="hint" data-testid="model.status">
          Ready: <strong>{model.name}</strong> · context {model.contextWindow} tokens
          {engineKind === "wllama" && (
            <>
              {" "}
              · {model.parallelSlots} parallel slots · {model.threads} thread{model.threads === 1 ? "" : "s"}
            </>
          )}
          {model.fromCache ? " · loaded from cache" : ""}
        </p>
      )}
      {status === "ready" && engineKind === "webllm" && <BatchStatusLine />}
    </div>
  );
}

function GgufOptions() {
  return (
    <>
      <optgroup label="Catalog (downloads once, then cached)">
        {GGUF_CATALOG.map((e) => (
          <option key={e.id} value={e.id}>
            {e.label} · {formatBytes(e.sizeBytes)}
          </option>
        ))}
      </optgroup>
      <optgroup label="Your own">
        <option value={URL_OPTION}>From a URL (e.g. a classroom server)…</option>
        <option value={FILE_OPTION}>From a local .gguf file…</option>
      </optgroup>
    </>
  );
}

function WebLlmOptions() {
  const models = useApp((s) => s.webllmModels);
  return (
    <>
      <optgroup label="Models this GPU can run (downloads once, then cached)">
        {models.map((e) => (
          <option key={e.modelId} value={e.modelId} data-quantization={e.quantization}>
            {e.label} · {e.quantization} · ≈{formatBytes(e.downloadBytes)}
          </option>
        ))}
      </optgroup>
      <optgroup label="Your own">
        <option value={CUSTOM_OPTION}>Custom MLC model (weights + library URL)…</option>
      </optgroup>
    </>
  );
}

function ChoiceInputs({ choice }: { choice: ModelChoice }) {
  const setChoice = useApp((s) => s.setModelChoice);
  if (choice.kind === "url")
    return (
      <label className="grow">
        <span className="label">Model URL</span>
        <input
          data-testid="model.url"
          type="url"
          placeholder="http://192.168.1.10:8080/model.gguf"
          value={choice.url}
          onChange={(e) => setChoice({ kind: "url", url: e.target.value })}
        />
      </label>
    );
  if (choice.kind === "file")
    return (
      <label className="grow">
        <span className="label">GGUF file</span>
        <input data-testid="model.file" type="file" accept=".gguf" onChange={(e) => setChoice({ kind: "file", file: e.target.files?.[0] ?? null })} />
      </label>
    );
  if (choice.kind === "webllm-custom")
    return (
      <>
        <label className="grow">
          <span className="label">MLC weights folder URL</span>
          <input
            data-testid="model.customUrl"
            type="url"
            placeholder="http://192.168.1.10:8080/Qwen2.5-Math-1.5B-Instruct-q4f32_1-MLC/"
            value={choice.modelUrl}
            onChange={(e) => setChoice({ ...choice, modelUrl: e.target.value })}
          />
        </label>
        <label className="grow">
          <span className="label">Model library URL (.wasm)</span>
          <input
            data-testid="model.customLib"
            type="url"
            placeholder="http://192.168.1.10:8080/libs/Qwen2.5-Math-1.5B-Instruct-q4f32_1-webgpu.wasm"
            value={choice.libUrl}
            onChange={(e) => setChoice({ ...choice, libUrl: e.target.value })}
          />
        </label>
      </>
    );
  return null;
}

function ChoiceHint({ choice }: { choice: ModelChoice }) {
  const webllmModels = useApp((s) => s.webllmModels);
  if (choice.kind === "catalog") {
    const e = GGUF_CATALOG.find((x) => x.id === choice.id);
    if (!e) return null;
    return (
      <p className="hint" data-testid="model.label">
        {e.mathTuned ? "Math-tuned" : "General"}
        {e.reasoning ? ", reasons in <think> blocks" : ""} · {formatBytes(e.sizeBytes)} on disk · {e.note}
      </p>
    );
  }
  if (choice.kind === "webllm") {
    const e = webllmModels.find((x) => x.modelId === choice.modelId);
    if (!e) return null;
    return (
      <p className="hint" data-testid="model.label">
        {e.summary}
        {e.reasoning ? " · reasons in <think> blocks" : ""} · {e.note}
      </p>
    );
  }
  return null;
}

export const ENGINE_LABEL = { wllama: "wllama", webllm: "WebLLM", remote: "Server" } as const;

function EngineName() {
  const kind = useApp((s) => s.engineKind);
  const reason = useApp((s) => s.engineReason);
  const override = useApp((s) => s.engineOverride);
  const setOverride = useApp((s) => s.setEngineOverride);
  const busy = useApp((s) => s.modelStatus === "loading" || s.run?.status === "running");
  return (
    <div className="engine-name">
      <span>
        Engine: <strong data-testid="engine.name">{ENGINE_LABEL[kind]}</strong>
      </span>
      <label>
        <span className="visually-hidden">Engine choice</span>
        <select
          data-testid="settings.engine"
          aria-label="Engine choice"
          value={override ?? "auto"}
          disabled={busy}
          onChange={(e) => void setOverride(e.target.value === "auto" ? null : (e.target.value as "webllm" | "wllama" | "remote"))}
        >
          <option value="auto">automatic</option>
          <option value="webllm">WebLLM (GPU)</option>
          <option value="wllama">wllama (CPU)</option>
          <option value="remote">Server (shared, on the network)</option>
        </select>
      </label>
      <span className="engine-reason" data-testid="engine.reason">
        {reason}
      </span>
    </div>
  );
}

function LoadProgress() {
  const progress = useApp((s) => s.progress);
  const status = useApp((s) => s.modelStatus);
  if (status !== "loading") return null;
  const phaseLabel =
    progress?.phase === "cache"
      ? "Loading from cache"
      : progress?.phase === "compile"
        ? "Compiling GPU shaders"
        : progress?.phase === "initialize"
          ? "Initializing the model"
          : "Downloading";
  const pct = progress?.fraction != null ? Math.round(progress.fraction * 100) : null;
  const indeterminate = pct === null;
  return (
    <div className="load-progress" data-testid="model.progress" data-phase={progress?.phase ?? "download"}>
      <progress max={100} value={indeterminate ? undefined : (pct ?? 0)} aria-label={phaseLabel} />
      <span>
        {phaseLabel}
        {progress && progress.totalBytes > 0 && (progress.phase === "download" || progress.phase === "cache") && (
          <>
            {" "}
            · {formatBytes(progress.loadedBytes)} / {formatBytes(progress.totalBytes)}
          </>
        )}
        {pct !== null && <> · {pct}%</>}
        {progress?.bytesPerSecond != null && progress.phase === "download" && <> · {formatBytes(progress.bytesPerSecond)}/s</>}
        {progress?.etaSeconds != null && progress.phase === "download" && <> · {formatDuration(progress.etaSeconds)} left</>}…
      </span>
      {progress?.text && <span className="hint">{progress.text}</span>}
    </div>
  );
}

/** WebLLM only: whether candidates run in one batch, the engine's notices, and the self-test. */
function BatchStatusLine() {
  const batch = useApp((s) => s.batchStatus);
  const notice = useApp((s) => s.engineNotice);
  const report = useApp((s) => s.selfTestReport);
  const testing = useApp((s) => s.selfTestRunning);
  const running = useApp((s) => s.run?.status === "running");
  const verify = useApp((s) => s.verifyBatchedDecoding);
  return (
    <div className="batch-status">
      {batch && (
        <p className="hint" data-testid="engine.batch" data-mode={batch.mode} title={batch.reason}>
          Candidates: {batch.mode === "batched" ? "decoded together in one batch" : "one after another"} · {batch.reason}
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="engine.notice">
          {notice}
        </p>
      )}
      <button type="button" className="small" data-testid="settings.verifyBatch" disabled={testing || running} onClick={() => void verify()}>
        {testing ? "Verifying batched decoding…" : "Verify batched decoding on this GPU"}
      </button>
      {report && <pre className="selftest-report" data-testid="selftest.report">{report}</pre>}
    </div>
  );
}
