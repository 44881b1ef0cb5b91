import { describe, expect, it } from "vitest";
import type { GenerationRequest, GenerationResult } from "../../gsr/types";
import type { RemoteModelSource } from "../types";
import { RemoteEngine } from "./client";
import { parseServerUrl } from "./server";

const SOURCE: RemoteModelSource = {
  kind: "remote",
  baseUrl: "http://10.0.0.5:8000",
  model: "",
  apiKey: "k-123",
  name: "x",
  timeoutMs: 5_000,
};
const REQUEST: GenerationRequest = {
  messages: [{ role: "user", content: "1+1?" }],
  sampling: { temperature: 0.7, topP: 0.9, maxTokens: 32, seed: 1 },
};

const sse = (events: unknown[], done = true) =>
  events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");
const chunk = (index: number, content: string, finish: string | null = null) => ({
  choices: [{ index, delta: { content }, finish_reason: finish }],
});

interface Sent {
  url: string;
  body: Record<string, unknown> | null;
  headers: Record<string, string>;
}

/** A fake server: `chat` answers each chat-completions request; the probe endpoints answer like llama-server. */
function fakeServer(options: {
  supportsN?: boolean;
  chat: (body: Record<string, unknown>, signal: AbortSignal) => Response;
}) {
  const sent: Sent[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null;
    sent.push({ url, body, headers: (init?.headers ?? {}) as Record<string, string> });
    const json = (v: unknown, status = 200) =>
      new Response(JSON.stringify(v), { status, headers: { "Content-Type": "application/json" } });
    if (url.endsWith("/v1/models")) return json({ data: [{ id: "m1" }, { id: "m2" }] });
    if (url.endsWith("/props")) return json({ default_generation_settings: { n_ctx: 1024 } });
    if (url.endsWith("/tokenize")) return json({ error: "no" }, 404);
    if (body && body.stream === false)
      return options.supportsN
        ? json({ choices: [{ index: 0 }, { index: 1 }] })
        : json({ error: { message: "Only one completion choice is allowed" } }, 400);
    return options.chat(body!, init!.signal!);
  }) as typeof fetch;
  return { fetchFn, sent };
}

async function loaded(server: ReturnType<typeof fakeServer>) {
  const engine = new RemoteEngine(server.fetchFn, () => 0);
  const info = await engine.load(SOURCE, { contextSize: 4096 }, () => undefined);
  return { engine, info };
}

function collect() {
  const text: string[] = ["", "", "", ""];
  const done: Array<GenerationResult | null> = [null, null, null, null];
  const errors: Array<string | null> = [null, null, null, null];
  return {
    text,
    done,
    errors,
    callbacks: {
      onDelta: (i: number, d: string) => (text[i] += d),
      onDone: (i: number, r: GenerationResult) => (done[i] = r),
      onError: (i: number, e: Error) => (errors[i] = e.message),
    },
  };
}

const streamResponse = (text: string) =>
  new Response(text, { headers: { "Content-Type": "text/event-stream" } });

describe("RemoteEngine", () => {
  it("connects: first listed model, context from /props, n refused → N concurrent requests with the key, usage per candidate", async () => {
    const server = fakeServer({
      chat: (body) =>
        streamResponse(
          sse([
            chunk(0, `seed ${String(body.seed)} `),
            chunk(0, "\\boxed{2}", "stop"),
            { choices: [], usage: { completion_tokens: 7 } },
          ]),
        ),
    });
    const { engine, info } = await loaded(server);
    expect(info.name).toBe("m1 on 10.0.0.5:8000");
    expect(info.contextWindow).toBe(1024);
    expect(engine.probe?.supportsN).toBe(false);

    const out = collect();
    const requests = [0, 1, 2].map((i) => ({
      ...REQUEST,
      sampling: { ...REQUEST.sampling, seed: 1 + i },
    }));
    await engine.generateMany(requests, out.callbacks, new AbortController().signal);
    expect(out.text.slice(0, 3)).toEqual([
      "seed 1 \\boxed{2}",
      "seed 2 \\boxed{2}",
      "seed 3 \\boxed{2}",
    ]);
    expect(out.done.slice(0, 3).map((r) => [r?.finishReason, r?.tokens])).toEqual([
      ["stop", 7],
      ["stop", 7],
      ["stop", 7],
    ]);
    const chats = server.sent.filter((s) => s.body?.stream === true);
    expect(chats).toHaveLength(3);
    expect(chats[0]!.headers.Authorization).toBe("Bearer k-123");
    expect(chats[0]!.body).toMatchObject({
      model: "m1",
      stream_options: { include_usage: true },
      max_tokens: 32,
      top_p: 0.9,
    });
    expect(chats[0]!.body).not.toHaveProperty("n");
  });

  it("sends one n-choice request when the server honours n, and routes each choice to its candidate", async () => {
    const server = fakeServer({
      supportsN: true,
      chat: () =>
        streamResponse(sse([chunk(1, "b"), chunk(0, "a"), chunk(2, "c"), chunk(0, "a", "length")])),
    });
    const { engine } = await loaded(server);
    const out = collect();
    await engine.generateMany(
      [REQUEST, REQUEST, REQUEST],
      out.callbacks,
      new AbortController().signal,
    );
    expect(out.text.slice(0, 3)).toEqual(["aa", "b", "c"]);
    expect(out.done[0]?.finishReason).toBe("length");
    const chats = server.sent.filter((s) => s.body?.stream === true);
    expect(chats).toHaveLength(1);
    expect(chats[0]!.body?.n).toBe(3);
  });

  it("Stop aborts every stream at once and keeps the text so far", async () => {
    // Streams that send one piece, then wait until aborted.
    const server = fakeServer({ chat: () => streamResponse("") });
    const fetchFn = server.fetchFn;
    const engine = new RemoteEngine(
      (async (input: RequestInfo | URL, init?: RequestInit) => {
        const body = init?.body ? JSON.parse(String(init.body)) : null;
        if (!body || body.stream !== true) return fetchFn(input, init);
        const signal = init!.signal!;
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(sse([chunk(0, "partial")], false)));
            signal.addEventListener("abort", () =>
              controller.error(new DOMException("aborted", "AbortError")),
            );
          },
        });
        return new Response(stream, { headers: { "Content-Type": "text/event-stream" } });
      }) as typeof fetch,
      () => 0,
    );
    await engine.load(SOURCE, { contextSize: 4096 }, () => undefined);
    const out = collect();
    const stop = new AbortController();
    const all = engine.generateMany(
      [REQUEST, REQUEST, REQUEST, REQUEST],
      {
        ...out.callbacks,
        onDelta: (i, d) => {
          out.text[i] += d;
          if (out.text.every((t) => t === "partial")) stop.abort();
        },
      },
      stop.signal,
    );
    await all;
    expect(out.done.map((r) => r?.finishReason)).toEqual([
      "aborted",
      "aborted",
      "aborted",
      "aborted",
    ]);
    expect(out.done.map((r) => r?.text)).toEqual(["partial", "partial", "partial", "partial"]);
    expect(out.errors).toEqual([null, null, null, null]);
  });

  it.each([
    [
      "an error page",
      () =>
        new Response("<!DOCTYPE html><h1>502</h1>", {
          status: 502,
          headers: { "Content-Type": "text/html" },
        }),
      /error page/,
    ],
    [
      "a web page with status 200",
      () =>
        new Response("<html><body>login</body></html>", {
          headers: { "Content-Type": "text/html" },
        }),
      /web page instead/,
    ],
    [
      "garbage",
      () => streamResponse("data: {nope\n\n"),
      /not what an OpenAI-compatible server sends/,
    ],
    [
      "a stream cut off",
      () => streamResponse(sse([chunk(0, "half")], false)),
      /connection to the server was lost/,
    ],
    [
      "a bad key",
      () => new Response('{"error":{"message":"Invalid API Key"}}', { status: 401 }),
      /API key is missing or wrong/,
    ],
  ])("a generation that gets %s fails with a plain message", async (_, answer, message) => {
    const { engine } = await loaded(fakeServer({ chat: answer }));
    const out = collect();
    await engine.generateMany([REQUEST], out.callbacks, new AbortController().signal);
    expect(out.errors[0]).toMatch(message);
  });

  it("gives up on a stream that stalls, saying how long it waited", async () => {
    const server = fakeServer({
      chat: () =>
        new Response(new ReadableStream({ start: () => undefined }), {
          headers: { "Content-Type": "text/event-stream" },
        }),
    });
    const engine = new RemoteEngine(server.fetchFn, () => 0);
    await engine.load({ ...SOURCE, timeoutMs: 1_000 }, { contextSize: 4096 }, () => undefined);
    const out = collect();
    await engine.generateMany([REQUEST], out.callbacks, new AbortController().signal);
    expect(out.errors[0]).toMatch(/did not start answering within 1 s/);
  });

  it("refuses a model the server does not serve, naming the ones it does", async () => {
    const engine = new RemoteEngine(
      fakeServer({ chat: () => streamResponse("") }).fetchFn,
      () => 0,
    );
    await expect(
      engine.load({ ...SOURCE, model: "nope" }, { contextSize: 4096 }, () => undefined),
    ).rejects.toThrow(/does not serve the model "nope"/);
  });

  it("counts tokens with an upper bound when the server cannot count", async () => {
    const { engine } = await loaded(fakeServer({ chat: () => streamResponse("") }));
    expect(await engine.countTokens([{ role: "user", content: "héllo" }])).toBe(16 + 6 + 8);
  });
});

describe("parseServerUrl", () => {
  it("drops /v1 and trailing slashes, refuses other schemes and credentials in the address", () => {
    expect(parseServerUrl("http://192.168.1.10:8000/v1/")).toEqual({
      baseUrl: "http://192.168.1.10:8000",
      origin: "http://192.168.1.10:8000",
    });
    expect(parseServerUrl("https://gpu.school.example/llm")).toMatchObject({
      baseUrl: "https://gpu.school.example/llm",
    });
    expect(parseServerUrl("ftp://x")).toHaveProperty("error");
    expect(parseServerUrl("not a url")).toHaveProperty("error");
    expect(parseServerUrl("http://user:secret@host:8000")).toHaveProperty("error");
  });
});
