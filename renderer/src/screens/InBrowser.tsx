// Signing in through a browser on this computer (awaiting_user with method `browser`): the TV has no
// code to show, only where to finish, a way to open the browser again (a tab closed by mistake) and
// Cancel, which stops the sign-in on the device (its loopback listener closes).
import { useActions } from '../actions.tsx';
import { Spinner } from '../components/Spinner.tsx';
import { useI18n } from '../i18n/context.tsx';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';

/** The screen while the browser on this computer signs in. */
export function InBrowser() {
  const { t } = useI18n();
  const { signInOnThisComputer, cancel } = useActions();
  useFocusOnArrival('in-browser-again');
  useBack(cancel);
  return (
    <main className="screen busy in-browser" data-testid="in-browser">
      <Spinner />
      <h1 className="title">{t.inBrowser.title}</h1>
      <p className="lead">{t.inBrowser.body}</p>
      <FocusGroup className="actions" focusKey="in-browser-actions">
        <FocusButton focusKey="in-browser-again" className="button" onPress={signInOnThisComputer}>
          {t.inBrowser.openAgain}
        </FocusButton>
        <FocusButton focusKey="in-browser-cancel" className="button button--quiet" onPress={cancel}>
          {t.inBrowser.cancel}
        </FocusButton>
      </FocusGroup>
    </main>
  );
}
