// The TV's own app (the device side behind the bridge) stopped answering: its process died or hangs.
// Whatever was on screen is no longer true (a code nobody polls, a countdown for nothing), so the TV
// says so instead, and comes back by itself when the bridge hears the app again.
import { Spinner } from '../components/Spinner.tsx';
import { useI18n } from '../i18n/context.tsx';

/** Shown while the bridge has lost the device side. */
export function HostLost() {
  const { t } = useI18n();
  return (
    <main className="screen busy host-lost" aria-busy="true" data-testid="host-lost">
      <Spinner />
      <h1 className="title">{t.hostLost.title}</h1>
      <p className="lead">{t.hostLost.body}</p>
    </main>
  );
}
