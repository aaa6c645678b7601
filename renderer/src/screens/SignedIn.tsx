// The moment between phone and TV: "Welcome, Ada". Home is there at once, with the greeting as a
// banner over it for a moment, so nobody waits on a welcome screen to reach their shows. The full
// screen greeting is shown only while Home's code is still loading (a Suspense fallback).
import type { ProfileView } from '../../../host/contract.ts';
import { Avatar } from '../components/Avatar.tsx';
import { useI18n } from '../i18n/context.tsx';

/** The signed-in greeting as a whole screen (while Home loads). */
export function SignedIn({ profile }: { profile: ProfileView | undefined }) {
  const { t } = useI18n();
  return (
    <main className="screen signed-in">
      {profile ? <Avatar profile={profile} size={200} /> : null}
      <h1 className="display">{profile ? t.signedIn.welcome(profile.name) : t.signedIn.welcomeUnnamed}</h1>
      <p className="lead">{t.signedIn.subtitle}</p>
    </main>
  );
}

/**
 * The greeting as a banner over Home. Not focusable and hidden from screen readers: the live region
 * already says "Signed in. Welcome, Ada." (App.tsx).
 */
export function WelcomeBanner({ profile }: { profile: ProfileView | undefined }) {
  const { t } = useI18n();
  return (
    <div className="welcome-banner" data-testid="welcome-banner" aria-hidden="true">
      {profile ? <Avatar profile={profile} size={96} /> : null}
      <div>
        <p className="welcome-banner__title">{profile ? t.signedIn.welcome(profile.name) : t.signedIn.welcomeUnnamed}</p>
        <p className="welcome-banner__subtitle">{t.signedIn.subtitle}</p>
      </div>
    </div>
  );
}
