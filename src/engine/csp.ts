/**
 * Would the page's Content-Security-Policy let it fetch a URL? A browser blocks
 * such a fetch before any request leaves, and tells the script only "Failed to
 * fetch", the same words as for a dead server; so the app reads its own policy
 * and asks the question itself, to say which of the two happened.
 *
 * Matching follows CSP Level 3, "Does url match expression in origin"
 * (https://w3c.github.io/webappsec-csp/#match-url-to-source-expression): the
 * `connect-src` directive, else `default-src`; scheme sources (`https:`), host
 * sources with optional scheme, `*.` wildcard, port or `*`, and path; `'self'`;
 * `*`. Nonces, hashes and the other keywords never match a URL. Pure.
 */
import parseContentSecurityPolicy from "content-security-policy-parser";

export interface ConnectCheck {
  allowed: boolean;
  /**
   * The source list of the first policy that refuses the URL (empty when
   * allowed): what the app may fetch from, for the message.
   */
  sources: string[];
}

/**
 * Checks a fetch of `url` from a page at `pageUrl` against a policy as sent in
 * the Content-Security-Policy header (several policies joined by commas must
 * all allow it).
 */
export function checkConnect(policyHeader: string, url: URL, pageUrl: URL): ConnectCheck {
  for (const policy of policyHeader.split(",")) {
    const directives = parseContentSecurityPolicy(policy);
    const sources = directives.get("connect-src") ?? directives.get("default-src");
    if (sources === undefined) continue;
    if (!sources.some((expression) => matchesSourceExpression(expression, url, pageUrl))) return { allowed: false, sources };
  }
  return { allowed: true, sources: [] };
}

const NETWORK_SCHEMES = new Set(["http", "https", "ws", "wss"]);
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };

/** `scheme://host[:port][/path]`, each part optional except the host (CSP's host-source grammar). */
const HOST_SOURCE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d+|\*))?(\/[^?#]*)?$/i;
const SCHEME_SOURCE = /^([a-z][a-z0-9+.-]*):$/i;

export function matchesSourceExpression(expression: string, url: URL, pageUrl: URL): boolean {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const pageScheme = pageUrl.protocol.slice(0, -1).toLowerCase();
  if (expression === "*") return NETWORK_SCHEMES.has(scheme) || scheme === pageScheme;
  if (expression.toLowerCase() === "'self'") return matchesSelf(url, pageUrl);
  const schemeOnly = SCHEME_SOURCE.exec(expression);
  if (schemeOnly) return schemePartMatches(schemeOnly[1]!, scheme);
  const host = HOST_SOURCE.exec(expression);
  if (!host || !url.hostname) return false;
  const [, sourceScheme, sourceHost, sourcePort, sourcePath] = host;
  if (sourceScheme ? !schemePartMatches(sourceScheme, scheme) : !schemePartMatches(pageScheme, scheme)) return false;
  if (!hostPartMatches(sourceHost!, url.hostname)) return false;
  if (!portPartMatches(sourcePort ?? null, url)) return false;
  return sourcePath === undefined || pathPartMatches(sourcePath, url.pathname);
}

/** `http:` also allows `https:` (and `ws:` allows `wss:`): an upgrade never loses a match. */
function schemePartMatches(sourceScheme: string, urlScheme: string): boolean {
  const a = sourceScheme.toLowerCase();
  if (a === urlScheme) return true;
  if (a === "http") return urlScheme === "https";
  if (a === "ws") return urlScheme === "wss" || urlScheme === "http" || urlScheme === "https";
  if (a === "wss") return urlScheme === "https";
  return false;
}

/** `*.example.com` matches subdomains only; IP addresses match only themselves. */
function hostPartMatches(pattern: string, hostname: string): boolean {
  const host = hostname.toLowerCase();
  const source = pattern.toLowerCase();
  if (source === "*") return true;
  if (source.startsWith("*.")) return !isIpAddress(host) && host.endsWith(source.slice(1));
  return source === host;
}

function isIpAddress(host: string): boolean {
  return host.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

function portOf(url: URL): number | null {
  if (url.port) return Number(url.port);
  return DEFAULT_PORTS[url.protocol.slice(0, -1).toLowerCase()] ?? null;
}

/** No port in the source means the scheme's default port; `http://host:80` also allows `https://host` (443). */
function portPartMatches(sourcePort: string | null, url: URL): boolean {
  if (sourcePort === "*") return true;
  // The URL parser drops a port that is the scheme's default.
  if (sourcePort === null) return url.port === "";
  const port = portOf(url);
  const wanted = Number(sourcePort);
  if (wanted === port) return true;
  return wanted === 80 && url.protocol === "https:" && port === 443;
}

/** A path ending in "/" allows everything below it; any other path only itself. */
function pathPartMatches(sourcePath: string, urlPath: string): boolean {
  if (sourcePath === "/" || sourcePath === "") return true;
  const source = safeDecode(sourcePath);
  const path = safeDecode(urlPath);
  return source.endsWith("/") ? path.startsWith(source) : path === source;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** 'self': the page's own origin, or the same host and port upgraded from http to https. */
function matchesSelf(url: URL, pageUrl: URL): boolean {
  if (url.origin === pageUrl.origin) return true;
  if (url.hostname.toLowerCase() !== pageUrl.hostname.toLowerCase()) return false;
  const scheme = url.protocol.slice(0, -1);
  const pageScheme = pageUrl.protocol.slice(0, -1);
  const upgraded = (pageScheme === "http" && (scheme === "https" || scheme === "wss")) || (pageScheme === "https" && scheme === "wss");
  if (!upgraded && scheme !== pageScheme) return false;
  const samePort = url.port === pageUrl.port;
  const bothDefault = url.port === "" && pageUrl.port === "";
  return samePort || bothDefault;
}
