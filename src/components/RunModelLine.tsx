import { useApp } from "../store/context";
import { choiceKey } from "../store/modelChoice";
import { ENGINE_LABEL } from "./ModelPanel";

/**
 * Which model a run used. Run never switches models by itself, so when the
 * picker shows another model than the loaded one, this says so on the run.
 */
export function RunModelLine() {
  const model = useApp((s) => s.run?.model ?? "");
  const engine = useApp((s) => s.run?.engine ?? null);
  // Runs made in this page count up from 1; a run reopened from history has id -1 and says only what it used.
  const live = useApp((s) => s.run !== null && s.run.id > 0);
  const running = useApp((s) => s.run?.status === "running");
  const pickerShowsAnother = useApp(
    (s) => s.modelStatus === "ready" && s.model?.name === model && s.loadedChoice !== null && choiceKey(s.loadedChoice) !== choiceKey(s.modelChoice),
  );
  if (!model || !engine) return null;
  return (
    <p className="hint run-model" data-testid="run.model" data-model={model}>
      {running ? "Running on" : "Ran on"} <strong>{model}</strong> · {ENGINE_LABEL[engine]}
      {live && pickerShowsAnother && " — the loaded model; the one chosen above loads when you press Load"}
    </p>
  );
}
