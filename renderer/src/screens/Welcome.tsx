// Welcome: one big "Sign in" (with the phone; the button keeps the name "Sign in", which tests and
// people's scripts look for), beside it "Sign in on this computer" where the device can open a browser
// on the computer the TV is on, the language, and who the TV signs in with.
import { useEffect } from 'react';
import type { ViewState } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { useI18n } from '../i18n/context.tsx';
import { warmCodeScreenWhenIdle } from '../logic/warm-code-screen.ts';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';

/** The idle screen; `signedOut` right after someone signed out. */
export function Welcome({ view, signedOut = false }: { view: ViewState; signedOut?: boolean }) {
  const { language, t } = useI18n();
  const { signIn, signInOnThisComputer } = useActions();
  const computer = view.canSignInOnThisComputer === true;
  useFocusOnArrival('welcome-sign-in');
  // The code screen is next: its one-time work is done while the viewer decides.
  useEffect(() => warmCodeScreenWhenIdle(language), [language]);
  return (
    <main className="screen welcome">
      <div className="welcome__art" aria-hidden="true">
        <span />
        <span />
        <span />
      </div>
      <header className="brand">
        <span className="brand__mark" aria-hidden="true">▶</span>
        {t.appName}
      </header>
      <div className="welcome__body">
        {signedOut ? (
          <p className="signed-out" data-testid="signed-out">
            {t.welcome.signedOut}
          </p>
        ) : null}
        <h1 className="display">{t.welcome.title}</h1>
        <p className="lead">{computer ? t.welcome.subtitleWithComputer : t.welcome.subtitle}</p>
        {view.notice ? (
          <p className="notice" role="note" data-notice={view.notice}>
            {t.notice[view.notice]}
          </p>
        ) : null}
        <FocusGroup className="actions" focusKey="welcome-actions">
          <FocusButton focusKey="welcome-sign-in" className="button button--primary button--large" onPress={signIn}>
            {t.welcome.signIn}
          </FocusButton>
          {computer ? (
            <FocusButton focusKey="welcome-sign-in-here" className="button button--large" onPress={signInOnThisComputer}>
              {t.welcome.signInOnThisComputer}
            </FocusButton>
          ) : null}
        </FocusGroup>
        <p className="muted">{t.welcome.provider(view.provider.embedded ? t.welcome.embeddedProvider : view.provider.name)}</p>
      </div>
      <footer className="welcome__footer">
        <span className="muted">{t.welcome.language}</span>
        <LanguagePicker keyPrefix="welcome" />
      </footer>
    </main>
  );
}
