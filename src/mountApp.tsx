import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./components/App";
import type { AppStore } from "./store";
import { AppStoreContext } from "./store/context";

/** Renders the app on `store` into #root: the one mount of the app, its test page and its bench pages. */
export function mountApp(store: AppStore, container: HTMLElement = document.getElementById("root")!): void {
  createRoot(container).render(
    <StrictMode>
      <AppStoreContext.Provider value={store}>
        <App />
      </AppStoreContext.Provider>
    </StrictMode>,
  );
}
