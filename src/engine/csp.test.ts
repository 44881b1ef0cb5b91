import { describe, expect, it } from "vitest";
import { checkConnect, matchesSourceExpression } from "./csp";

const page = new URL("http://127.0.0.1:4173/");
const matches = (expression: string, url: string, pageUrl = page) => matchesSourceExpression(expression, new URL(url), pageUrl);

describe("matchesSourceExpression", () => {
  it("scheme sources: https: allows any https host, http: also allows https", () => {
    expect(matches("https:", "https://huggingface.co/x.gguf")).toBe(true);
    expect(matches("https:", "https://my-bucket.r2.dev:8443/model.gguf")).toBe(true);
    expect(matches("https:", "http://192.168.1.10:8080/model.gguf")).toBe(false);
    expect(matches("http:", "https://example.org/")).toBe(true);
    expect(matches("HTTPS:", "https://example.org/")).toBe(true);
    expect(matches("blob:", "blob:http://127.0.0.1:4173/abc")).toBe(true);
    expect(matches("data:", "https://example.org/")).toBe(false);
  });

  it("host sources: scheme, exact host, default port unless one is given", () => {
    expect(matches("http://192.168.1.10:8080", "http://192.168.1.10:8080/model.gguf")).toBe(true);
    expect(matches("http://192.168.1.10:8080", "http://192.168.1.10:8081/model.gguf")).toBe(false);
    expect(matches("http://192.168.1.10:8080", "http://192.168.1.11:8080/model.gguf")).toBe(false);
    expect(matches("http://192.168.1.10", "http://192.168.1.10:8080/model.gguf")).toBe(false);
    expect(matches("http://192.168.1.10", "http://192.168.1.10/model.gguf")).toBe(true);
    expect(matches("http://models.school.lan:*", "http://models.school.lan:9000/m.gguf")).toBe(true);
    expect(matches("http://Models.School.LAN:8080", "http://models.school.lan:8080/m.gguf")).toBe(true);
  });

  it("an http source also allows the same host over https (upgrade), never the reverse", () => {
    expect(matches("http://example.org", "https://example.org/m.gguf")).toBe(true);
    expect(matches("http://example.org:80", "https://example.org/m.gguf")).toBe(true);
    expect(matches("https://example.org", "http://example.org/m.gguf")).toBe(false);
  });

  it("without a scheme, the host source takes the page's scheme", () => {
    expect(matches("models.example.org", "http://models.example.org/m.gguf")).toBe(true);
    expect(matches("models.example.org", "https://models.example.org/m.gguf")).toBe(true);
    const securePage = new URL("https://refinery.example/");
    expect(matches("models.example.org", "http://models.example.org/m.gguf", securePage)).toBe(false);
    expect(matches("models.example.org", "https://models.example.org/m.gguf", securePage)).toBe(true);
  });

  it("wildcard hosts match subdomains only, and never an IP address", () => {
    expect(matches("https://*.hf.co", "https://cdn-lfs.hf.co/x")).toBe(true);
    expect(matches("https://*.hf.co", "https://a.b.hf.co/x")).toBe(true);
    expect(matches("https://*.hf.co", "https://hf.co/x")).toBe(false);
    expect(matches("https://*.hf.co", "https://evilhf.co/x")).toBe(false);
    expect(matches("http://*.0.0.1:8080", "http://127.0.0.1:8080/x")).toBe(false);
    expect(matches("http://[::1]:8080", "http://[::1]:8080/x")).toBe(true);
  });

  it("paths: a trailing slash allows the folder, otherwise only that file", () => {
    expect(matches("https://example.org/models/", "https://example.org/models/a.gguf")).toBe(true);
    expect(matches("https://example.org/models/", "https://example.org/other/a.gguf")).toBe(false);
    expect(matches("https://example.org/models/a.gguf", "https://example.org/models/a.gguf")).toBe(true);
    expect(matches("https://example.org/models/a.gguf", "https://example.org/models/b.gguf")).toBe(false);
    expect(matches("https://example.org/my%20models/", "https://example.org/my models/a.gguf")).toBe(true);
  });

  it("'self' is the page's origin (and its https upgrade); * is any network URL", () => {
    expect(matches("'self'", "http://127.0.0.1:4173/datasets/x.jsonl")).toBe(true);
    expect(matches("'self'", "http://127.0.0.1:4180/tiny.gguf")).toBe(false);
    expect(matches("'self'", "https://127.0.0.1:4173/x")).toBe(true);
    expect(matches("'SELF'", "http://localhost:4173/x")).toBe(false);
    expect(matches("*", "http://10.0.0.1:1/x")).toBe(true);
    expect(matches("*", "blob:http://127.0.0.1:4173/x")).toBe(false);
  });

  it("keywords, nonces, hashes and garbage match nothing", () => {
    for (const expression of ["'none'", "'unsafe-inline'", "'wasm-unsafe-eval'", "'nonce-abc'", "'sha256-xyz'", "http://", "://x", "ht tp://x"])
      expect(matches(expression, "https://example.org/"), expression).toBe(false);
  });
});

describe("checkConnect", () => {
  const policy = "default-src 'self'; connect-src 'self' blob: data: https: http://127.0.0.1:4180; img-src 'self' data:";

  it("allows https anywhere and the listed http host; refuses other http hosts with the list", () => {
    expect(checkConnect(policy, new URL("https://huggingface.co/a.gguf"), page).allowed).toBe(true);
    expect(checkConnect(policy, new URL("http://127.0.0.1:4180/tiny.gguf"), page).allowed).toBe(true);
    const refused = checkConnect(policy, new URL("http://127.0.0.1:4598/model.gguf"), page);
    expect(refused).toEqual({ allowed: false, sources: ["'self'", "blob:", "data:", "https:", "http://127.0.0.1:4180"] });
  });

  it("falls back to default-src, and allows everything without either", () => {
    expect(checkConnect("default-src 'self'", new URL("https://example.org/"), page).allowed).toBe(false);
    expect(checkConnect("img-src 'self'", new URL("https://example.org/"), page).allowed).toBe(true);
    expect(checkConnect("", new URL("http://10.0.0.1/"), page).allowed).toBe(true);
  });

  it("an empty connect-src (or 'none') allows nothing, even with a default-src", () => {
    expect(checkConnect("default-src *; connect-src", new URL("https://example.org/"), page).allowed).toBe(false);
    expect(checkConnect("connect-src 'none'", new URL("http://127.0.0.1:4173/"), page).allowed).toBe(false);
  });

  it("several policies (comma-joined header values) must all allow it", () => {
    const two = "connect-src https: http://a.lan, connect-src http://a.lan";
    expect(checkConnect(two, new URL("http://a.lan/m.gguf"), page).allowed).toBe(true);
    expect(checkConnect(two, new URL("https://example.org/m.gguf"), page)).toEqual({ allowed: false, sources: ["http://a.lan"] });
  });
});
