import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./components/App";
import { WllamaEngine } from "./engine/wllama/client";
import { createAppStore } from "./store";
import { AppStoreContext } from "./store/context";
import { applyDeepLink } from "./deepLink";
import "./styles.css";

// One engine for the page's lifetime; the store receives it, components never create it.
const engine = new WllamaEngine();
const store = createAppStore({ engine });
applyDeepLink(location, store);
// A share link pasted into an open tab changes only the hash.
addEventListener("hashchange", () => applyDeepLink(location, store));

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AppStoreContext.Provider value={store}>
      <App />
    </AppStoreContext.Provider>
  </StrictMode>,
);
