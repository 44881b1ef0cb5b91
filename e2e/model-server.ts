/**
 * A stand-in for a classroom's LAN model server: serves the generated GGUF files
 * from models/ on another origin, with CORS, so the app loads them by URL exactly
 * as it would load a teacher's server or a public repository.
 */
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, normalize } from "node:path";

export const MODEL_SERVER_PORT = Number(process.env.E2E_MODEL_PORT ?? 4180);
export const MODEL_SERVER = `http://127.0.0.1:${MODEL_SERVER_PORT}`;

export function startModelServer(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "*");
    res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", MODEL_SERVER).pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, path);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return void res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(size) });
    if (req.method === "HEAD") return void res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(MODEL_SERVER_PORT, "127.0.0.1", () => resolve(server));
  });
}
