import { useId, useState, type KeyboardEvent, type ReactNode } from "react";

/**
 * The header's controls (Models, Benchmark, theme, projector, help). On a wide
 * screen they sit in one row; on a narrow one (`collapsible`) they fold behind a
 * Menu button so the title row never runs off the right edge.
 *
 * Folded controls stay mounted and are only hidden: they own state and
 * keyboard shortcuts (Alt+P, ?) that must work with the menu closed, and the
 * shortcuts dialog they contain stays showable (Narrow.css hides every child
 * but dialogs).
 */
export function HeaderMenu({ collapsible, children }: { collapsible: boolean; children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const itemsId = useId();
  const collapsed = collapsible && !open;
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== "Escape" || !collapsible || !open || e.target instanceof HTMLDialogElement) return;
    setOpen(false);
    document.getElementById(`${itemsId}-toggle`)?.focus();
  };
  return (
    <div className="header-menu">
      {collapsible && (
        <button
          type="button"
          id={`${itemsId}-toggle`}
          className="header-menu-toggle"
          data-testid="header.menu"
          aria-expanded={open}
          aria-controls={itemsId}
          onClick={() => setOpen((v) => !v)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
      )}
      <div id={itemsId} className="view-controls header-menu-items" data-collapsed={collapsed || undefined} onKeyDown={onKeyDown}>
        {children}
      </div>
    </div>
  );
}
