/**
 * What the model picker's choice is, in words, and whether it is the model
 * already loaded. Run loads the choice when no model is loaded, and runs on the
 * loaded model otherwise, so the UI must say which of the two a Run will use.
 */
import type { WebLlmCatalogEntry } from "../engine/webllm/catalog";
import { GGUF_CATALOG } from "../engine/wllama/catalog";
import type { ModelChoice } from "./modelSlice";

/** The choice's name as the user knows it, or what is still missing to make it loadable. */
export type ChoiceDescription = { name: string } | { missing: string };

/** The last path segment of an http(s) URL, or null when the text is not one. */
function urlFileName(text: string, trailingSlash = false): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const segments = url.pathname.split("/").filter(Boolean);
  const last = trailingSlash ? segments.pop() : url.pathname.endsWith("/") ? undefined : segments.pop();
  try {
    return last ? decodeURIComponent(last) : url.host;
  } catch {
    return last ?? url.host;
  }
}

export function describeChoice(choice: ModelChoice, webllmModels: readonly WebLlmCatalogEntry[]): ChoiceDescription {
  switch (choice.kind) {
    case "catalog": {
      const entry = GGUF_CATALOG.find((e) => e.id === choice.id);
      return entry ? { name: entry.label } : { missing: "pick a model from the list" };
    }
    case "url": {
      if (!choice.url.trim()) return { missing: "enter the model's URL (a .gguf file)" };
      const name = urlFileName(choice.url);
      return name ? { name } : { missing: "correct the model URL (it must start with http:// or https://)" };
    }
    case "file":
      return choice.file ? { name: choice.file.name } : { missing: "choose a .gguf file" };
    case "webllm": {
      const entry = webllmModels.find((e) => e.modelId === choice.modelId);
      return entry ? { name: entry.label } : { missing: "pick a WebLLM model this device can run" };
    }
    case "remote":
      return { name: choice.model || "the server's model" };
    case "webllm-custom": {
      if (!choice.modelUrl.trim() || !choice.libUrl.trim()) return { missing: "enter the MLC weights folder URL and the model library URL" };
      const name = urlFileName(choice.modelUrl, true);
      return name ? { name } : { missing: "correct the MLC weights folder URL" };
    }
  }
}

/**
 * Identifies a choice, so the loaded model's choice can be compared with the
 * picker's current one. A local file is identified by name, size and date,
 * since a File picked again is a new object.
 */
export function choiceKey(choice: ModelChoice): string {
  switch (choice.kind) {
    case "catalog":
      return `catalog:${choice.id}`;
    case "url":
      return `url:${choice.url.trim()}`;
    case "file":
      return choice.file ? `file:${choice.file.name}|${choice.file.size}|${choice.file.lastModified}` : "file:";
    case "webllm":
      return `webllm:${choice.modelId}`;
    case "remote":
      return `remote:${choice.model}`;
    case "webllm-custom":
      return `webllm-custom:${choice.modelUrl.trim()}|${choice.libUrl.trim()}`;
  }
}
