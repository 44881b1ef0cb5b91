import { createContext, useContext } from "react";
import { useStore } from "zustand";
import type { AppState, AppStore } from "./index";

export const AppStoreContext = createContext<AppStore | null>(null);

/** Reads the app store through a selector; components re-render only when the selection changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error("useApp must be used inside <AppStoreContext.Provider>");
  return useStore(store, selector);
}
