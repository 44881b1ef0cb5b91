import { useEffect, useRef, useState } from "react";

type Theme = "system" | "light" | "dark";

function readPref<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const v = localStorage.getItem(key);
    return allowed.includes(v as T) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

function writePref(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage may be full or disabled; the preference then lasts for this visit only.
  }
}

export const SHORTCUTS: Array<[string, string]> = [
  ["Ctrl/⌘ + Enter", "Run"],
  ["Esc", "Stop the run"],
  ["Alt + P", "Projector mode on/off"],
  ["?", "This help (outside text fields)"],
];

/**
 * Theme (follows the system unless chosen), projector mode and the shortcuts help.
 * Rendered as siblings inside the header's menu (HeaderMenu), which lays them out.
 */
export function ViewControls() {
  const [theme, setTheme] = useState<Theme>(() => readPref("refinery.theme", ["system", "light", "dark"] as const, "system"));
  const [projector, setProjector] = useState(() => readPref("refinery.projector", ["on", "off"] as const, "off") === "on");
  const help = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    writePref("refinery.theme", theme);
  }, [theme]);
  useEffect(() => {
    document.documentElement.toggleAttribute("data-projector", projector);
    writePref("refinery.projector", projector ? "on" : "off");
  }, [projector]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && e.target.closest("input, textarea, select, [contenteditable]");
      if (e.altKey && e.key.toLowerCase() === "p") {
        e.preventDefault();
        setProjector((p) => !p);
      } else if (e.key === "?" && !typing) {
        help.current?.showModal();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <>
      <label>
        <span className="visually-hidden">Theme</span>
        <select data-testid="view.theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)} aria-label="Theme">
          <option value="system">Theme: system</option>
          <option value="light">Theme: light</option>
          <option value="dark">Theme: dark</option>
        </select>
      </label>
      <button type="button" data-testid="view.projector" aria-pressed={projector} onClick={() => setProjector((p) => !p)}>
        Projector {projector ? "on" : "off"}
      </button>
      <button type="button" data-testid="view.help" onClick={() => help.current?.showModal()} aria-label="Keyboard shortcuts">
        ?
      </button>
      <dialog ref={help} className="help-dialog" data-testid="help.dialog" aria-labelledby="help-title">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <th scope="row">
                  <kbd>{keys}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="dialog">
          <button type="submit" className="primary">
            Close
          </button>
        </form>
      </dialog>
    </>
  );
}
