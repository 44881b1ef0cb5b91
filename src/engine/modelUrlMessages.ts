/**
 * Messages for a model URL that would not load: each diagnosis of
 * modelUrlDiagnosis.ts as one line of what happened and the exact fix, in the
 * error banner's shape (errors.ts).
 */
import { toUserFacing, type ErrorCode, type UserFacingError } from "./errors";
import { diagnoseUrl, type DiagnoseOptions, type UrlDiagnosis } from "./modelUrlDiagnosis";
import type { ModelSource } from "./types";

export type Diagnose = (url: string, options: DiagnoseOptions) => Promise<UrlDiagnosis>;

/** A host source with a scheme, e.g. http://192.168.1.10:8080: what REFINERY_MODEL_HOSTS adds to the policy. */
const LISTED_HOST = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

function message(code: ErrorCode, title: string, action: string, help = false): UserFacingError {
  return { code, title, action, detail: "", ...(help ? { help: "model-hosts" as const } : {}) };
}

/** The message for a diagnosis, or null when the URL itself looks fine ("ok"). */
export function diagnosisMessage(diagnosis: UrlDiagnosis): UserFacingError | null {
  switch (diagnosis.kind) {
    case "ok":
      return null;
    case "mixed-content":
      return message(
        "mixed-content",
        `The browser refuses to download from ${diagnosis.origin}: this page is https:// and that address is plain http:// (mixed content).`,
        "Serve the model over https, or open the app itself over http on the LAN (e.g. http://192.168.1.10:4173, see Hosting models on a LAN), then load again.",
        true,
      );
    case "csp": {
      const listed = (diagnosis.sources ?? []).filter((s) => LISTED_HOST.test(s));
      const allowsHttps = diagnosis.sources?.some((s) => s.toLowerCase() === "https:") ?? false;
      const allowed = [allowsHttps ? "any https:// address" : null, listed.length ? `the hosts it lists (${listed.join(", ")})` : null].filter(Boolean);
      const hosts = [...listed.filter((h) => h !== diagnosis.origin), diagnosis.origin].join(" ");
      return message(
        "blocked-by-policy",
        `This app's security policy does not allow downloads from ${diagnosis.origin}, so the browser sent nothing there.`,
        `${allowed.length ? `The app may fetch models only from ${allowed.join(" and ")}. ` : ""}` +
          `To allow this host, serve the app with it listed: REFINERY_MODEL_HOSTS="${hosts}" npm run preview ` +
          `(on another web server, add ${diagnosis.origin} to connect-src in its Content-Security-Policy header), then reload this page` +
          `${allowsHttps ? ", or serve the model over https" : ""}.`,
        true,
      );
    }
    case "unreachable": {
      const https = diagnosis.origin.startsWith("https:") ? "; an https server also needs a certificate this browser trusts" : "";
      if (diagnosis.timedOut)
        return message("unreachable", `The server at ${diagnosis.origin} did not answer.`, "Check that the model server is running and not overloaded, then press Load again.");
      if (!diagnosis.certain)
        return message(
          "unreachable",
          `The model server at ${diagnosis.origin} could not be reached, or it does not allow cross-origin requests.`,
          `Check that it is running, that the address and port are right, that this device can reach it${https}, and that it sends CORS headers (Access-Control-Allow-Origin). Then press Load again.`,
          true,
        );
      return message(
        "unreachable",
        `Nothing answers at ${diagnosis.origin}.`,
        `Check that the model server is running, that the address and port are right and that this device can reach it (same network, no firewall in between)${https}. Then press Load again.`,
      );
    }
    case "cors":
      return message(
        "no-cors",
        `The server at ${diagnosis.origin} answered, but does not allow cross-origin requests (CORS).`,
        "The app runs on another origin, so the server must allow cross-origin requests: it has to send Access-Control-Allow-Origin (e.g. npx http-server ./models --cors). Fix the server, then press Load again.",
        true,
      );
    case "http-status": {
      const status = `HTTP ${diagnosis.status}${diagnosis.statusText ? ` ${diagnosis.statusText}` : ""}`;
      if (diagnosis.status === 404 || diagnosis.status === 410)
        return message("not-found", `The model file was not found at that address (${status}).`, "Check the URL (it must point at the .gguf file itself) and that the file is on the server.");
      const why =
        diagnosis.status === 401 || diagnosis.status === 403
          ? "The file may be private or need a login; the app sends no credentials, so use a public link."
          : diagnosis.status >= 500
            ? "The server had an error: try again later, or check the server's log."
            : "Check the URL and the server.";
      return message("http-error", `The server refused the model file (${status}).`, why);
    }
    case "not-a-model":
      return diagnosis.sent === "html"
        ? message(
            "not-a-model",
            "That address is not a usable GGUF model: the server sent a web page (HTML).",
            "The URL is probably a download or login page, not the file itself. Use the direct link to the .gguf file (on Hugging Face: …/resolve/main/<file>.gguf, not …/blob/main/…).",
          )
        : message(
            "not-a-model",
            `That address is not a usable GGUF model: the server sent ${diagnosis.contentType ? `"${diagnosis.contentType}"` : "a file"} that does not start with "GGUF".`,
            "Give the URL of a .gguf file made for llama.cpp.",
          );
  }
}

/** Failures whose cause may be the URL rather than the model; the others (no WebGPU, out of memory, …) say enough. */
const URL_FAILURES: ReadonlySet<ErrorCode> = new Set(["download-failed", "not-found", "not-a-model", "unknown"]);

/**
 * The message for a failed load: for a model from a URL, the diagnosis of that
 * URL when it finds the cause, else the engine's own error.
 */
export async function explainLoadFailure(source: ModelSource, error: unknown, diagnose: Diagnose = diagnoseUrl): Promise<UserFacingError> {
  const engineMessage = toUserFacing(error);
  if (source.kind !== "url" || !URL_FAILURES.has(engineMessage.code)) return engineMessage;
  const diagnosis = await diagnose(source.url, { expect: "gguf" }).catch(() => null);
  if (!diagnosis) return engineMessage;
  const found = diagnosisMessage(diagnosis);
  if (found) return { ...found, detail: engineMessage.detail };
  if (engineMessage.code === "download-failed")
    return { ...engineMessage, action: "The server answers and sends a GGUF file now, so the connection probably dropped: press Load again." };
  return engineMessage;
}

/** For a URL whose request failed outright (WebLLM's custom model files): the network-level cause, if found. */
export async function explainUnreachableUrl(url: string, diagnose: Diagnose = diagnoseUrl): Promise<UserFacingError | null> {
  const diagnosis = await diagnose(url, { expect: "any" }).catch(() => null);
  if (!diagnosis || !["mixed-content", "csp", "unreachable", "cors"].includes(diagnosis.kind)) return null;
  const found = diagnosisMessage(diagnosis);
  return found && { ...found, detail: `While checking ${url}` };
}
