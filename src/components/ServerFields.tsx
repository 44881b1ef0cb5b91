/**
 * The "Server" engine's settings: the shared server's address, its optional
 * API key (kept in this browser for that server only), the time a silent
 * request is given, and Test connection, which says in plain words whether the
 * server answers, which models it serves, whether it batches `n` choices in one
 * request, or why it cannot be reached (policy, CORS, nothing listening, key).
 */
import { useApp } from "../store/context";
import { SERVER_TIMEOUT_LIMITS } from "../store/serverSlice";

export function ServerFields() {
  const url = useApp((s) => s.serverUrl);
  const key = useApp((s) => s.serverKey);
  const timeout = useApp((s) => s.serverTimeoutS);
  const check = useApp((s) => s.serverCheck);
  const busy = useApp((s) => s.modelStatus === "loading" || s.run?.status === "running");
  const setUrl = useApp((s) => s.setServerUrl);
  const setKey = useApp((s) => s.setServerKey);
  const setTimeoutS = useApp((s) => s.setServerTimeout);
  const test = useApp((s) => s.testServer);
  return (
    <div className="server-fields">
      <div className="model-row">
        <label className="grow">
          <span className="label">Server address</span>
          <input
            data-testid="server.url"
            type="url"
            placeholder="http://192.168.1.10:8000"
            value={url}
            disabled={busy}
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <label>
          <span className="label">API key (optional)</span>
          <input
            data-testid="server.key"
            type="password"
            autoComplete="off"
            value={key}
            disabled={busy}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <label>
          <span className="label">Give up after (s)</span>
          <input
            data-testid="server.timeout"
            type="number"
            min={SERVER_TIMEOUT_LIMITS.min}
            max={SERVER_TIMEOUT_LIMITS.max}
            defaultValue={timeout}
            key={timeout}
            onBlur={(e) => setTimeoutS(Number(e.target.value))}
          />
        </label>
        <button
          type="button"
          data-testid="server.test"
          disabled={busy || check.state === "checking"}
          onClick={() => void test()}
        >
          Test connection
        </button>
      </div>
      <ServerCheckLine />
    </div>
  );
}

function ServerCheckLine() {
  const check = useApp((s) => s.serverCheck);
  if (check.state === "idle") return null;
  if (check.state === "checking")
    return (
      <p className="hint" data-testid="server.status" data-state="checking" role="status">
        Connecting…
      </p>
    );
  if (check.state === "failed")
    return (
      <p className="notice" data-testid="server.status" data-state="failed" role="alert">
        {check.error.title} {check.error.action}
      </p>
    );
  return (
    <p className="hint" data-testid="server.status" data-state="ok" role="status">
      Reachable · {check.models.length} model{check.models.length === 1 ? "" : "s"}:{" "}
      {check.models.join(", ")} ·{" "}
      {check.supportsN
        ? "the N candidates go out as one request (the server samples n choices)"
        : "the N candidates go out as N requests at once (the server does not return n choices)"}
      {check.contextWindow
        ? ` · context ${check.contextWindow} tokens per request`
        : " · context not reported (the Context setting is used)"}
    </p>
  );
}

/** The model picker's options for the server: what Test connection listed, or the server's first model. */
export function ServerModelOptions() {
  const check = useApp((s) => s.serverCheck);
  const choice = useApp((s) => s.modelChoice);
  const listed = check.state === "ok" ? check.models : [];
  const current = choice.kind === "remote" ? choice.model : "";
  return (
    <>
      {!listed.includes(current) && (
        <option value={current}>
          {current || "The server's first model (press Test connection to list them)"}
        </option>
      )}
      {listed.map((id) => (
        <option key={id} value={id}>
          {id}
        </option>
      ))}
    </>
  );
}
