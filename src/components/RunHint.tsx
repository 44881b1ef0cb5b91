import { useApp } from "../store/context";
import { choiceKey, describeChoice } from "../store/modelChoice";

/**
 * One line beside Run saying what pressing it will do: load the picker's model
 * first, wait for the load in flight, or run on the loaded model even though
 * the picker now shows another (switching models stays an explicit Load).
 */
export function RunHint({ id }: { id: string }) {
  const queued = useApp((s) => s.runQueued);
  const running = useApp((s) => s.run?.status === "running");
  const status = useApp((s) => s.modelStatus);
  const loadedName = useApp((s) => s.model?.name ?? null);
  const choice = useApp((s) => s.modelChoice);
  const loadedChoice = useApp((s) => s.loadedChoice);
  const webllmModels = useApp((s) => s.webllmModels);

  let text = "";
  if (queued) {
    text = "Your run starts as soon as the model is ready. Stop (Esc) cancels the run; the model keeps loading.";
  } else if (running || status === "loading") {
    text = "";
  } else if (status === "ready" && loadedName) {
    if (loadedChoice && choiceKey(loadedChoice) !== choiceKey(choice)) {
      const chosen = describeChoice(choice, webllmModels);
      text = `Run uses the loaded model, ${loadedName}. Press Load to switch to ${"name" in chosen ? chosen.name : "the model chosen above"}.`;
    }
  } else {
    const chosen = describeChoice(choice, webllmModels);
    text =
      "name" in chosen
        ? `No model loaded yet: Run loads ${chosen.name} first, then runs.`
        : `No model loaded yet: ${chosen.missing} above, then press Run.`;
  }
  // Always rendered, so Run's aria-describedby always points at it; announced when it changes.
  return (
    <p id={id} className="hint run-hint" data-testid="run.hint" role="status" hidden={text === ""}>
      {text}
    </p>
  );
}
