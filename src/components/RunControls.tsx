import { useState } from "react";
import { useApp } from "../store/context";
import { SETTING_LIMITS, type Settings } from "../store/settingsSlice";

export function RunControls() {
  const running = useApp((s) => s.run?.status === "running");
  const ready = useApp((s) => s.modelStatus === "ready");
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
          onClick={() => void startRun()}
          disabled={running}
          title={ready ? "Run (Ctrl/Cmd+Enter)" : "Load a model first"}
        >
          Run
        </button>
        <button type="button" className="big" data-testid="run.stop" onClick={stopRun} disabled={!running} title="Stop (Esc)">
          Stop
        </button>
      </div>
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
