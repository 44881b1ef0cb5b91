/**
 * A Run pressed while no model is ready waits for one: the run slice loads the
 * picker's choice (or joins the load in flight) and starts when it is ready.
 * When that load does not end with a model, the waiting run is dropped, and
 * these are the words that say so.
 */
import type { UserFacingError } from "../engine/errors";
import type { LoadOutcome } from "./modelSlice";

/** Lower-cases a sentence's first letter so it can follow "…:"; keeps acronyms ("CSP", "GGUF") as they are. */
export function continueSentence(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/**
 * The one message for a waiting run that cannot start, or null where the
 * model panel already asks the user something (a storage warning with its
 * "Load anyway") or nothing went wrong for the user to act on.
 */
export function runNotStarted(outcome: Exclude<LoadOutcome, "loaded">, loadError: UserFacingError | null): UserFacingError | null {
  switch (outcome) {
    case "failed":
      // The load's own reason, so the user learns what to fix, not that a model is missing.
      return loadError
        ? { ...loadError, title: `The run did not start: ${continueSentence(loadError.title)}` }
        : { code: "unknown", title: "The run did not start: the model did not load.", action: "Press Run to try again.", detail: "" };
    case "cancelled":
      return {
        code: "aborted",
        title: "Loading was cancelled, so the run did not start.",
        action: "Press Run to load the model and run, or Load to only load it.",
        detail: "",
      };
    case "storage-warning":
    case "refused":
      return null;
  }
}
