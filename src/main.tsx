import { detectCapabilities } from "./engine/capabilities";
import { defaultEngineHub } from "./engine/hub";
import { createAppStore } from "./store";
import { mountApp } from "./mountApp";
import { applyDeepLink } from "./deepLink";
import "./styles.css";
// After styles.css: its narrow-screen rules override the base rules of equal weight.
import "./components/narrow/Narrow.css";

// Engines are created here (lazily, one at a time) and handed to the store; components never create them.
const store = createAppStore({ engines: defaultEngineHub() });
applyDeepLink(location, store);
// A key in a link is refused (deepLink.ts); drop it from the address too, so it is not kept in this tab's history.
if (new URLSearchParams(location.search).has("key")) {
  const address = new URL(location.href);
  address.searchParams.delete("key");
  history.replaceState(history.state, "", address);
}
// A share link pasted into an open tab changes only the hash.
addEventListener("hashchange", () => applyDeepLink(location, store));
// WebLLM when this device has a usable GPU, wllama otherwise; the store says which and why.
void detectCapabilities().then((caps) => store.getState().setCapabilities(caps));

mountApp(store);
