/**
 * A real inference server for the tests, on loopback only: node-llama-cpp
 * (llama.cpp for Node) loads the generated GGUF and answers the OpenAI-style
 * endpoints the server engine uses. Several context sequences let concurrent
 * requests decode together, as on llama-server with --parallel.
 *
 * It behaves like llama-server where servers differ: `n` > 1 is refused (HTTP
 * 400) unless a test asks it to honour n (like vLLM) or ignore it (like Ollama);
 * GET /props reports the context per slot. POST /tokenize counts a chat's
 * tokens the way vLLM does. The prompt is the model's ChatML template.
 *
 * Tests steer it through POST /__control (CORS off, a required key, answers that
 * are web pages or garbage, stalls, pacing, dying mid-stream, scripted text for
 * the hostile-output tests) and read GET /__stats (how many requests ran at once).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  getLlama,
  LlamaCompletion,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";

export const OPENAI_SERVER_PORT = Number(process.env.E2E_OPENAI_PORT ?? 4191);
export const OPENAI_SERVER = `http://127.0.0.1:${OPENAI_SERVER_PORT}`;
export const SERVED_MODEL = "tiny";
/** Where it listens and how big it is: sequences decoded together (llama-server's --parallel) and the context of each. */
export interface OpenAiServerOptions {
  port: number;
  slots: number;
  contextPerSlot: number;
}
const DEFAULT_OPTIONS: OpenAiServerOptions = {
  port: OPENAI_SERVER_PORT,
  slots: 8,
  contextPerSlot: 4096,
};

export interface ServerKnobs {
  cors: boolean;
  /** When set, requests need `Authorization: Bearer <key>`. */
  requireKey: string | null;
  /** normal: the model answers; html: an error page; garbage: a stream of non-JSON; stall: headers, then nothing. */
  mode: "normal" | "html" | "garbage" | "stall";
  /** Milliseconds between streamed tokens (0: as fast as the model goes). */
  paceMs: number;
  nMode: "refuse" | "honour" | "ignore";
  /** After this many streamed tokens in all, every open connection is cut and the server stops listening for `downMs`. */
  dieAfterTokens: number | null;
  downMs: number;
  /** Texts streamed instead of the model's output, one per chat request in turn (hostile-output tests). */
  script: string[] | null;
}

const DEFAULT_KNOBS: ServerKnobs = {
  cors: true,
  requireKey: null,
  mode: "normal",
  paceMs: 0,
  nMode: "refuse",
  dieAfterTokens: null,
  downMs: 0,
  script: null,
};

interface ChatMessage {
  role: string;
  content: string;
}

function chatmlPrompt(messages: ChatMessage[]): string {
  return `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("")}<|im_start|>assistant\n`;
}

class SequencePool {
  private free: LlamaContextSequence[] = [];
  private waiting: Array<(s: LlamaContextSequence) => void> = [];
  constructor(context: LlamaContext, slots: number) {
    for (let i = 0; i < slots; i++) this.free.push(context.getSequence());
  }
  take(): Promise<LlamaContextSequence> {
    const s = this.free.pop();
    return s ? Promise.resolve(s) : new Promise((resolve) => this.waiting.push(resolve));
  }
  async give(s: LlamaContextSequence): Promise<void> {
    await s.clearHistory();
    const next = this.waiting.shift();
    if (next) next(s);
    else this.free.push(s);
  }
}

export interface OpenAiTestServer {
  close(): Promise<void>;
}

export async function startOpenAiServer(
  modelPath: string,
  options: Partial<OpenAiServerOptions> = {},
): Promise<OpenAiTestServer> {
  const {
    port,
    slots: SLOTS,
    contextPerSlot: CONTEXT_PER_SLOT,
  } = { ...DEFAULT_OPTIONS, ...options };
  const llama = await getLlama({ gpu: false, build: "never" });
  const model: LlamaModel = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    sequences: SLOTS,
    contextSize: CONTEXT_PER_SLOT,
    threads: 1,
  });
  const pool = new SequencePool(context, SLOTS);
  let knobs: ServerKnobs = { ...DEFAULT_KNOBS };
  const stats = {
    running: 0,
    maxRunning: 0,
    chatRequests: 0,
    tokens: 0,
    lastAuthorization: null as string | null,
  };
  const sockets = new Set<Socket>();
  let server: Server;

  const tokensOf = (messages: ChatMessage[]): Token[] => [
    model.tokens.bos!,
    ...model.tokenize(chatmlPrompt(messages), true),
  ];

  /** Generates one choice, streaming each piece to `onPiece`; returns the tokens made and why it stopped. */
  const generate = async (
    body: ChatBody,
    seed: number,
    signal: AbortSignal,
    onPiece: (text: string) => Promise<void>,
  ): Promise<{ tokens: number; finish: "stop" | "length" }> => {
    const scripted = knobs.script?.shift();
    if (scripted !== undefined) {
      // Token-sized pieces of the scripted text, as a model would send it.
      const pieces = scripted.match(/[\s\S]{1,24}/g) ?? [];
      for (const piece of pieces) {
        if (signal.aborted) break;
        await onPiece(piece);
      }
      return { tokens: pieces.length, finish: "stop" };
    }
    const sequence = await pool.take();
    stats.running++;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    try {
      const completion = new LlamaCompletion({ contextSequence: sequence });
      let tokens = 0;
      let chain = Promise.resolve();
      const maxTokens = Math.max(1, Math.min(Number(body.max_tokens) || 256, CONTEXT_PER_SLOT));
      const prompt = tokensOf(body.messages);
      if (prompt.length + maxTokens > CONTEXT_PER_SLOT)
        throw new HttpFailure(400, "the request exceeds the available context size");
      await completion.generateCompletion(prompt, {
        maxTokens,
        temperature: typeof body.temperature === "number" ? body.temperature : 0.8,
        topP: typeof body.top_p === "number" ? body.top_p : 0.95,
        seed,
        signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => {
          tokens++;
          chain = chain.then(() => onPiece(text));
        },
      });
      await chain;
      return { tokens, finish: tokens >= maxTokens ? "length" : "stop" };
    } finally {
      stats.running--;
      await pool.give(sequence);
    }
  };

  const chat = async (res: ServerResponse, body: ChatBody) => {
    stats.chatRequests++;
    if (!Array.isArray(body.messages)) throw new HttpFailure(400, "messages must be an array");
    const n = Number.isInteger(body.n) && (body.n as number) > 1 ? (body.n as number) : 1;
    if (n > 1 && knobs.nMode === "refuse")
      throw new HttpFailure(400, "Only one completion choice is allowed");
    const choices = n > 1 && knobs.nMode === "honour" ? n : 1;
    const seed = Number.isInteger(body.seed) ? (body.seed as number) : 0;
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const id = `chatcmpl-${stats.chatRequests}`;

    if (!body.stream) {
      const results = await Promise.all(
        Array.from({ length: choices }, async (_, index) => {
          let text = "";
          const r = await generate(
            body,
            seed + index,
            abort.signal,
            async (piece) => void (text += piece),
          );
          return {
            index,
            message: { role: "assistant", content: text },
            finish_reason: r.finish,
            tokens: r.tokens,
          };
        }),
      );
      const completion = results.reduce((sum, r) => sum + r.tokens, 0);
      return json(res, 200, {
        id,
        object: "chat.completion",
        model: SERVED_MODEL,
        choices: results.map(({ tokens: _, ...c }) => c),
        usage: { completion_tokens: completion },
      });
    }

    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (index: number, delta: Record<string, string>, finish: string | null) =>
      send({
        id,
        object: "chat.completion.chunk",
        model: SERVED_MODEL,
        choices: [{ index, delta, finish_reason: finish }],
      });
    let all = 0;
    await Promise.all(
      Array.from({ length: choices }, async (_, index) => {
        const r = await generate(body, seed + index, abort.signal, async (piece) => {
          if (knobs.paceMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.paceMs));
          if (abort.signal.aborted) return;
          chunk(index, { content: piece }, null);
          stats.tokens++;
          if (knobs.dieAfterTokens !== null && stats.tokens >= knobs.dieAfterTokens) die();
        });
        all += r.tokens;
        if (!abort.signal.aborted) chunk(index, {}, r.finish);
      }),
    );
    if (abort.signal.aborted) return;
    if ((body.stream_options as { include_usage?: unknown } | undefined)?.include_usage)
      send({
        id,
        object: "chat.completion.chunk",
        model: SERVED_MODEL,
        choices: [],
        usage: { completion_tokens: all },
      });
    res.end("data: [DONE]\n\n");
  };

  /** Like a killed server: open connections are cut and nothing listens until downMs have passed. */
  const die = () => {
    const downMs = knobs.downMs;
    knobs = { ...knobs, dieAfterTokens: null };
    stats.tokens = 0;
    server.close();
    for (const socket of sockets) socket.destroy();
    setTimeout(() => void listen(), downMs);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", OPENAI_SERVER);
    if (url.pathname === "/__control" && req.method === "POST") {
      const body = (await readJson(req)) as Partial<ServerKnobs> & { reset?: boolean };
      knobs = body.reset ? { ...DEFAULT_KNOBS, ...body } : { ...knobs, ...body };
      if (body.reset)
        Object.assign(stats, {
          maxRunning: 0,
          chatRequests: 0,
          tokens: 0,
          lastAuthorization: null,
        });
      if (body.dieAfterTokens !== undefined) stats.tokens = 0;
      return json(res, 200, knobs);
    }
    if (url.pathname === "/__stats") return json(res, 200, stats);

    if (knobs.cors) {
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    }
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    stats.lastAuthorization = req.headers.authorization ?? null;
    if (knobs.requireKey !== null && req.headers.authorization !== `Bearer ${knobs.requireKey}`)
      return json(res, 401, {
        error: { message: "Invalid API Key", type: "authentication_error" },
      });
    if (knobs.mode === "html")
      return void res
        .writeHead(502, { "Content-Type": "text/html" })
        .end("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>");
    if (knobs.mode === "garbage" && url.pathname === "/v1/chat/completions")
      return void res
        .writeHead(200, { "Content-Type": "text/event-stream" })
        .end("data: {not json at all\n\ndata: ]]]\n\n");
    if (knobs.mode === "stall" && url.pathname === "/v1/chat/completions")
      return void res.writeHead(200, { "Content-Type": "text/event-stream" }).flushHeaders();

    if (url.pathname === "/v1/models" && req.method === "GET")
      return json(res, 200, {
        object: "list",
        data: [{ id: SERVED_MODEL, object: "model", owned_by: "refinery-tests" }],
      });
    if (url.pathname === "/props" && req.method === "GET")
      return json(res, 200, {
        default_generation_settings: { n_ctx: CONTEXT_PER_SLOT },
        total_slots: SLOTS,
      });
    if (url.pathname === "/tokenize" && req.method === "POST") {
      const body = (await readJson(req)) as { messages?: ChatMessage[] };
      if (!Array.isArray(body.messages)) throw new HttpFailure(400, "messages must be an array");
      return json(res, 200, { count: tokensOf(body.messages).length });
    }
    if (url.pathname === "/v1/chat/completions" && req.method === "POST")
      return chat(res, (await readJson(req)) as ChatBody);
    return json(res, 404, { error: { message: "not found" } });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          if (res.headersSent) return void res.destroy();
          const status = error instanceof HttpFailure ? error.status : 500;
          json(res, status, {
            error: { message: error instanceof Error ? error.message : String(error) },
          });
        });
      });
      server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  await listen();

  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await context.dispose();
      await model.dispose();
    },
  };
}

interface ChatBody {
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: unknown;
  n?: unknown;
  seed?: unknown;
  max_tokens?: unknown;
  temperature?: unknown;
  top_p?: unknown;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new HttpFailure(400, "the body is not JSON");
  }
}

/** Sets the test server's knobs from a test (a fresh set when `reset`). */
export async function controlServer(
  knobs: Partial<ServerKnobs> & { reset?: boolean },
): Promise<void> {
  const response = await fetch(`${OPENAI_SERVER}/__control`, {
    method: "POST",
    body: JSON.stringify(knobs),
  });
  if (!response.ok) throw new Error(`control failed: ${response.status}`);
}

export async function serverStats(): Promise<ServerStats> {
  return (await fetch(`${OPENAI_SERVER}/__stats`)).json() as Promise<ServerStats>;
}

export interface ServerStats {
  running: number;
  maxRunning: number;
  chatRequests: number;
  lastAuthorization: string | null;
}
