/**
 * One request to the server with a watchdog: the request is given up when
 * nothing arrives for `timeoutMs` (no first byte, or a stream that stalls), and
 * its answer is checked before anyone reads it (status, web page, JSON). Server
 * events are parsed by eventsource-parser, never by hand.
 */
import { createParser } from "eventsource-parser";
import {
  connectionLost,
  htmlPage,
  httpError,
  notOpenAi,
  requestHeaders,
  stalled,
  unreachable,
  type ServerConnection,
} from "./server";

export type FetchFn = typeof fetch;

interface Watchdog {
  signal: AbortSignal;
  /** Something arrived (`text`: body data, not just headers): restart the clock. */
  feed(text: boolean): void;
  /** The error to throw when the watchdog ended the request, else null. */
  timeoutError(): Error | null;
  stop(): void;
}

function watchdog(timeoutMs: number, outer: AbortSignal | undefined): Watchdog {
  const controller = new AbortController();
  let fired = false;
  let anything = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fired = true;
      controller.abort();
    }, timeoutMs);
  };
  arm();
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  return {
    signal,
    feed: (text) => {
      anything ||= text;
      arm();
    },
    timeoutError: () =>
      fired && !outer?.aborted ? stalled(Math.round(timeoutMs / 1000), !anything) : null,
    stop: () => clearTimeout(timer),
  };
}

async function send(
  fetchFn: FetchFn,
  connection: ServerConnection,
  path: string,
  body: unknown,
  dog: Watchdog,
  what: string,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(`${connection.baseUrl}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: requestHeaders(connection, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      signal: dog.signal,
    });
  } catch (error) {
    // The browser says only "Failed to fetch" for no server, no CORS and a refused policy alike.
    if (dog.signal.aborted) throw error;
    throw unreachable(new URL(connection.baseUrl).origin);
  }
  dog.feed(false);
  if (!response.ok) throw httpError(response.status, await response.text().catch(() => ""), what);
  if (/text\/html|application\/xhtml/i.test(response.headers.get("content-type") ?? ""))
    throw htmlPage(what);
  return response;
}

/** A JSON request (GET when body is undefined); `what` names it in errors ("the model list"). */
export async function requestJson(
  fetchFn: FetchFn,
  connection: ServerConnection,
  path: string,
  body: unknown,
  what: string,
  signal?: AbortSignal,
): Promise<unknown> {
  const dog = watchdog(connection.timeoutMs, signal);
  try {
    const response = await send(fetchFn, connection, path, body, dog, what);
    const text = await response.text();
    if (/^\s*</.test(text)) throw htmlPage(what);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw notOpenAi(what);
    }
  } catch (error) {
    throw dog.timeoutError() ?? error;
  } finally {
    dog.stop();
  }
}

/**
 * A streamed (server-sent events) request: each event's JSON goes to onEvent,
 * until `[DONE]` or the end of the stream. Rejects with the caller's abort
 * reason when `signal` aborts, with a ServerError on a timeout or a bad answer.
 */
export async function requestStream(
  fetchFn: FetchFn,
  connection: ServerConnection,
  path: string,
  body: unknown,
  what: string,
  signal: AbortSignal,
  onEvent: (data: unknown) => void,
): Promise<void> {
  const dog = watchdog(connection.timeoutMs, signal);
  try {
    const response = await send(fetchFn, connection, path, body, dog, what);
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) throw notOpenAi(what);
    // Ends a pending read at once on Stop or a timeout, whatever the body's source does with the signal.
    dog.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), {
      once: true,
    });
    let finished = false;
    let failure: Error | null = null;
    let sawEvent = false;
    const parser = createParser({
      onEvent: (event) => {
        if (finished || failure) return;
        sawEvent = true;
        if (event.data.trim() === "[DONE]") return void (finished = true);
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          return void (failure = notOpenAi(what));
        }
        onEvent(data);
      },
    });
    try {
      while (!finished && !failure) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (dog.signal.aborted) throw error;
          throw connectionLost();
        }
        const { done, value } = chunk;
        if (done) break;
        dog.feed(true);
        // Text before any event that is not an event stream at all: a web page or plain text.
        if (!sawEvent && /^\s*</.test(value)) throw htmlPage(what);
        parser.feed(value);
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (failure) throw failure;
    if (!sawEvent) throw notOpenAi(what);
    // The server went away mid-answer: an OpenAI-style stream always ends with [DONE].
    if (!finished) throw connectionLost();
  } catch (error) {
    throw dog.timeoutError() ?? error;
  } finally {
    dog.stop();
  }
}
