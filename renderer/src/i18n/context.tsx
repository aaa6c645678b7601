// The current language and its catalogue, for every screen.
import { createContext, useContext, type ReactNode } from 'react';
import type { Language } from '../../../host/contract.ts';
import { messagesFor, type Messages } from './messages.ts';

interface I18n {
  language: Language;
  t: Messages;
}

const I18nContext = createContext<I18n>({ language: 'en', t: messagesFor('en') });

/** Provides the language the host chose (ViewState.language) to the screens below. */
export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  return <I18nContext value={{ language, t: messagesFor(language) }}>{children}</I18nContext>;
}

/** The current language and its messages. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
