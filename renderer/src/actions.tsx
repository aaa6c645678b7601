// What the screens can ask of the device, with failures turned into a message on screen instead of
// an unhandled rejection.
import { createContext, useContext } from 'react';
import type { Catalog, Language } from '../../host/contract.ts';

/** The bridge's actions as the screens use them. */
export interface Actions {
  signIn(): void;
  /** Sign in through a browser on this computer (ViewState canSignInOnThisComputer). */
  signInOnThisComputer(): void;
  cancel(): void;
  newCode(): void;
  /** The check number the phone shows (the proximity check). */
  enterCheckNumber(checkNumber: string): void;
  signOut(): void;
  setLanguage(language: Language): void;
  getCatalog(): Promise<Catalog>;
  /** Speaks a sentence through the aria-live region. */
  announce(text: string): void;
}

const noop = () => undefined;

export const ActionsContext = createContext<Actions>({
  signIn: noop,
  signInOnThisComputer: noop,
  cancel: noop,
  newCode: noop,
  enterCheckNumber: noop,
  signOut: noop,
  setLanguage: noop,
  getCatalog: () => Promise.reject(new Error('No device bridge.')),
  announce: noop,
});

/** The actions of the current bridge. */
export function useActions(): Actions {
  return useContext(ActionsContext);
}
