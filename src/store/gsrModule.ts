/** The method module, loaded on first use so its math parser stays out of the initial bundle. */
export type GsrModule = typeof import("../gsr");

let pending: Promise<GsrModule> | null = null;

export function loadGsr(): Promise<GsrModule> {
  pending ??= import("../gsr");
  pending.catch(() => (pending = null));
  return pending;
}
