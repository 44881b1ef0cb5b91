import { useApp } from "../store/context";
import { ModelHostHelpLink } from "./ModelHostHelp";

export function ErrorBanner() {
  const banner = useApp((s) => s.banner ?? s.modelError);
  const dismiss = useApp((s) => s.dismissBanner);
  if (!banner) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error.banner" data-code={banner.code}>
      <div>
        <strong>{banner.title}</strong>
        {banner.action && <span className="error-action"> {banner.action}</span>}
        {banner.help === "model-hosts" && <ModelHostHelpLink />}
        {banner.detail && (
          <details>
            <summary>Details</summary>
            <code>{banner.detail}</code>
          </details>
        )}
      </div>
      <button type="button" className="ghost" onClick={dismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
