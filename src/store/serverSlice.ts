/**
 * The shared server (the "Server" engine): its address, the optional API key
 * and the last connection check. The key is kept in the browser's
 * localStorage under the server's origin only, so a key typed for one server
 * is never sent to another; it never enters a run, history, an export or a
 * link (the run slice and the exports see only the model's name).
 */
import type { StateCreator } from "zustand";
import type { UserFacingError } from "../engine/errors";
import { explainServerFailure } from "../engine/remote/messages";
import { probeServer } from "../engine/remote/probe";
import { parseServerUrl } from "../engine/remote/server";
import type { RemoteModelSource } from "../engine/types";
import type { AppState } from "./index";

export type ServerCheck =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "ok"; models: string[]; supportsN: boolean; contextWindow: number | null }
  | { state: "failed"; error: UserFacingError };

export interface ServerSlice {
  serverUrl: string;
  serverKey: string;
  /** Seconds a request may go without receiving anything. */
  serverTimeoutS: number;
  serverCheck: ServerCheck;
  setServerUrl(url: string): void;
  setServerKey(key: string): void;
  setServerTimeout(seconds: number): void;
  /** Test connection: lists the models and finds out what the server supports. Sends the key, nothing else. */
  testServer(): Promise<void>;
}

export const SERVER_TIMEOUT_LIMITS = { min: 2, max: 600, default: 60 } as const;

const KEY_PREFIX = "refinery.serverKey ";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

function originOf(text: string): string | null {
  try {
    const url = new URL(text.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** The key saved for this server's origin, or "". */
export function savedServerKey(url: string): string {
  const origin = originOf(url);
  return (origin && storage()?.getItem(KEY_PREFIX + origin)) || "";
}

/** What the engine loads for the "Server" choice, or why it cannot yet. */
export async function remoteSource(
  state: Pick<AppState, "serverUrl" | "serverKey" | "serverTimeoutS">,
  model: string,
): Promise<RemoteModelSource | { error: string }> {
  if (!state.serverUrl.trim())
    return {
      error: "No server address entered. Type it under Server, e.g. http://192.168.1.10:8000",
    };
  const parsed = parseServerUrl(state.serverUrl);
  if ("error" in parsed) return parsed;
  return {
    kind: "remote",
    baseUrl: parsed.baseUrl,
    model,
    apiKey: state.serverKey.trim() || null,
    name: model || new URL(parsed.baseUrl).host,
    timeoutMs: state.serverTimeoutS * 1000,
  };
}

export const createServerSlice: StateCreator<AppState, [], [], ServerSlice> = (set, get) => ({
  serverUrl: "",
  serverKey: "",
  serverTimeoutS: SERVER_TIMEOUT_LIMITS.default,
  serverCheck: { state: "idle" },
  setServerUrl: (serverUrl) =>
    set({ serverUrl, serverKey: savedServerKey(serverUrl), serverCheck: { state: "idle" } }),
  setServerKey: (serverKey) => {
    const origin = originOf(get().serverUrl);
    if (origin) {
      if (serverKey) storage()?.setItem(KEY_PREFIX + origin, serverKey);
      else storage()?.removeItem(KEY_PREFIX + origin);
    }
    set({ serverKey, serverCheck: { state: "idle" } });
  },
  setServerTimeout: (seconds) =>
    set({
      serverTimeoutS: Number.isFinite(seconds)
        ? Math.min(
            SERVER_TIMEOUT_LIMITS.max,
            Math.max(SERVER_TIMEOUT_LIMITS.min, Math.round(seconds)),
          )
        : SERVER_TIMEOUT_LIMITS.default,
    }),
  testServer: async () => {
    const source = await remoteSource(get(), "");
    if ("error" in source)
      return set({
        serverCheck: {
          state: "failed",
          error: { code: "unknown", title: source.error, action: "", detail: "" },
        },
      });
    set({ serverCheck: { state: "checking" } });
    const connection = {
      baseUrl: source.baseUrl,
      apiKey: source.apiKey,
      timeoutMs: source.timeoutMs,
    };
    try {
      const probe = await probeServer((...a) => fetch(...a), connection, "");
      const models = probe.models.map((m) => m.id);
      set({
        serverCheck: {
          state: "ok",
          models,
          supportsN: probe.supportsN,
          contextWindow: probe.contextWindow,
        },
      });
      const choice = get().modelChoice;
      if (choice.kind === "remote" && !models.includes(choice.model))
        get().setModelChoice({ kind: "remote", model: models[0] ?? "" });
    } catch (error) {
      set({
        serverCheck: {
          state: "failed",
          error: await explainServerFailure(source.baseUrl, source.apiKey, error),
        },
      });
    }
  },
});
