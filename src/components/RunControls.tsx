import { useId, useState } from "react";
import { useApp } from "../store/context";
import { SETTING_LIMITS, type Settings } from "../store/settingsSlice";
import { RunHint } from "./RunHint";

/** Run's state for tests and styles: `queued` while a Run waits for the model to load. */
type RunButtonState = "idle" | "queued" | "running";

export function RunControls() {
  const state = useApp((s): RunButtonState => (s.run?.status === "running" ? "running" : s.runQueued ? "queued" : "idle"));
  const ready = useApp((s) => s.modelStatus === "ready");
  const hintId = useId();
  const startRun = useApp((s) => s.startRun);
  const stopRun = useApp((s) => s.stopRun);
  return (
    <div className="run-controls">
      <div className="settings">
        <SettingField name="n" label="Candidates (N)" />
        <SettingField name="temperature" label="Temperature" />
        <SettingField name="topP" label="Top-p" />
        <SettingField name="maxTokens" label="Max new tokens" />
        <SettingField name="seed" label="Seed" />
        <SettingField name="contextSize" label="Context (at load)" />
      </div>
      <div className="run-buttons">
        <button
          type="button"
          className="primary big"
          data-testid="run.start"
          data-state={state}
          aria-busy={state === "queued"}
          aria-describedby={hintId}
          onClick={() => void startRun()}
          disabled={state === "running"}
          title={
            state === "queued"
              ? "Starts when the model is ready; Stop (Esc) cancels it"
              : ready
                ? "Run (Ctrl/Cmd+Enter)"
                : "Load the chosen model, then run (Ctrl/Cmd+Enter)"
          }
        >
          {state === "queued" ? "Starts when the model is ready" : "Run"}
        </button>
        <button
          type="button"
          className="big"
          data-testid="run.stop"
          onClick={stopRun}
          disabled={state === "idle"}
          title={state === "queued" ? "Cancel the waiting run (Esc); the model keeps loading" : "Stop (Esc)"}
        >
          Stop
        </button>
      </div>
      <RunHint id={hintId} />
    </div>
  );
}

const TEST_IDS: Record<keyof Settings, string> = {
  n: "settings.n",
  temperature: "settings.temperature",
  topP: "settings.topP",
  maxTokens: "settings.maxTokens",
  seed: "settings.seed",
  contextSize: "settings.contextSize",
};

/** A number input that accepts free typing and clamps into range when committed. */
function SettingField({ name, label }: { name: keyof Settings; label: string }) {
  const value = useApp((s) => s.settings[name]);
  const setSetting = useApp((s) => s.setSetting);
  // The text being typed; null when not editing, so the field shows the stored value.
  const [draft, setDraft] = useState<string | null>(null);
  const limits = SETTING_LIMITS[name];
  const commit = (text: string) => {
    setSetting(name, text.trim() === "" ? Number.NaN : Number(text));
    setDraft(null);
  };
  return (
    <label className="setting">
      <span className="label">{label}</span>
      <input
        data-testid={TEST_IDS[name]}
        type="number"
        inputMode="decimal"
        min={limits.min}
        max={limits.max}
        step={limits.step}
        value={draft ?? String(value)}
        onChange={(e) => {
          setDraft(e.target.value);
          const parsed = Number(e.target.value);
          if (e.target.value.trim() !== "" && parsed >= limits.min && parsed <= limits.max) setSetting(name, parsed);
        }}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && commit(e.currentTarget.value)}
      />
    </label>
  );
}
