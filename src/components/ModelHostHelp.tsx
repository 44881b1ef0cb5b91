/**
 * "How to host models": the README's "Hosting models on a LAN" section in a
 * dialog, linked from the errors about model hosts (the app's policy refused a
 * host, mixed content, no CORS). The text is loaded when the dialog opens.
 */
import { lazy, Suspense, useRef, useState } from "react";

const ModelHostHelpText = lazy(() => import("./ModelHostHelpText"));

export function ModelHostHelpLink() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const show = () => {
    setOpen(true);
    dialog.current?.showModal();
  };
  return (
    <>
      <button type="button" className="link-button" data-testid="error.help" onClick={show}>
        How to host models (README: Hosting models on a LAN)
      </button>
      <dialog ref={dialog} className="help-dialog model-host-help" data-testid="help.modelHosts" aria-label="Hosting models on a LAN" onClose={() => setOpen(false)}>
        {open && (
          <Suspense fallback={<p>Loading…</p>}>
            <ModelHostHelpText />
          </Suspense>
        )}
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </dialog>
    </>
  );
}
