/**
 * A connection to an OpenAI-compatible server (llama-server, vLLM, Ollama): its
 * base URL, the optional API key, and the errors it can cause, each worded for a
 * teacher or student rather than a developer. The key goes only into the
 * Authorization header of requests to this server; it is redacted from any
 * text that might be shown or stored.
 */
import type { ErrorCode } from "../errors";

export interface ServerConnection {
  /** Base URL without a trailing slash or /v1, e.g. http://192.168.1.10:8000. */
  baseUrl: string;
  apiKey: string | null;
  /** Milliseconds a request may go without receiving anything before it is given up. */
  timeoutMs: number;
}

export const DEFAULT_SERVER_TIMEOUT_MS = 60_000;

/** A failure the server (or the way to it) caused, already in plain words. */
export class ServerError extends Error {
  override readonly name = "ServerError";
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly action: string,
  ) {
    super(message);
  }
}

/** The server's base URL from what the user typed; `/v1` and trailing slashes are dropped. */
export function parseServerUrl(
  text: string,
): { baseUrl: string; origin: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return {
      error:
        "That is not a valid server address. Type it with http:// or https://, e.g. http://192.168.1.10:8000",
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { error: "The server address must start with http:// or https://." };
  if (url.username || url.password)
    return { error: "Put the API key in the key field, not in the server address." };
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return { baseUrl: `${url.origin}${path}`, origin: url.origin };
}

export function requestHeaders(
  connection: ServerConnection,
  json: boolean,
): Record<string, string> {
  return {
    ...(json ? { "Content-Type": "application/json" } : {}),
    ...(connection.apiKey ? { Authorization: `Bearer ${connection.apiKey}` } : {}),
  };
}

/** Removes the key from a text that may be shown, logged or saved. */
export function redactKey(text: string, apiKey: string | null): string {
  return apiKey ? text.split(apiKey).join("[key]") : text;
}

/** The error for a non-2xx answer, from its status and (for the details) the start of its body. */
export function httpError(status: number, body: string, what: string): ServerError {
  const html = /^\s*(<!doctype|<html|<head|<body)/i.test(body);
  if (status === 401 || status === 403)
    return new ServerError(
      `The server refused ${what} (HTTP ${status}): the API key is missing or wrong.`,
      "http-error",
      "Enter the key the server was started with (e.g. vLLM's --api-key, llama-server's --api-key), then press Test connection or Load again.",
    );
  if (status === 404)
    return new ServerError(
      `The server has no OpenAI-compatible API at this address (HTTP 404 for ${what}).`,
      "not-found",
      "Give the server's base address (e.g. http://192.168.1.10:8000, without /v1/chat/completions) and check that it is llama-server, vLLM or Ollama.",
    );
  const detail = html ? "it sent an error page" : shortBody(body);
  return new ServerError(
    `The server failed ${what} (HTTP ${status}${detail ? `: ${detail}` : ""}).`,
    "http-error",
    status >= 500
      ? "The server had an error: check its log, then try again."
      : "Check the server's address and settings, then try again.",
  );
}

/** An OpenAI-style `{"error": {"message": …}}` body's message, or the body's first line, kept short. */
function shortBody(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown } | string;
      message?: unknown;
    };
    const message =
      typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === "string") text = message;
  } catch {
    // not JSON: keep the text
  }
  const line = text.split("\n")[0] ?? "";
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

export function notOpenAi(what: string): ServerError {
  return new ServerError(
    `The server's answer to ${what} is not what an OpenAI-compatible server sends.`,
    "http-error",
    "Check that the address is the inference server's (llama-server, vLLM or Ollama) and not another web page or proxy.",
  );
}

export function htmlPage(what: string): ServerError {
  return new ServerError(
    `The server sent a web page instead of ${what}.`,
    "http-error",
    "The address probably points at a router, proxy or login page: give the inference server's own address and port.",
  );
}

export function stalled(seconds: number, first: boolean): ServerError {
  return new ServerError(
    first
      ? `The server did not start answering within ${seconds} s.`
      : `The server stopped sending text for ${seconds} s, so the request was given up.`,
    "unreachable",
    "The server may be overloaded or stuck: check it, or raise the time limit under Server, then run again.",
  );
}

/** The request got no answer the page may read: no server there, no CORS, or the app's policy. */
export function unreachable(origin: string): ServerError {
  return new ServerError(
    `Could not reach the server at ${origin}.`,
    "unreachable",
    "Check that the server is running and reachable from this device, that it allows this app's origin (CORS), and press Test connection under Server for the exact cause.",
  );
}

export function connectionLost(): ServerError {
  return new ServerError(
    "The connection to the server was lost in the middle of the answer.",
    "unreachable",
    "The text so far is kept. Check that the server is still running, then run again.",
  );
}
