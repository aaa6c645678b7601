// The moment between phone and TV: "Welcome, Ada" before Home appears.
import type { ProfileView } from '../../../host/contract.ts';
import { Avatar } from '../components/Avatar.tsx';
import { useI18n } from '../i18n/context.tsx';

/** The signed-in greeting shown briefly before Home. */
export function SignedIn({ profile }: { profile: ProfileView | undefined }) {
  const { t } = useI18n();
  const name = profile?.name ?? '';
  return (
    <main className="screen signed-in">
      {profile ? <Avatar profile={profile} size={200} /> : null}
      <h1 className="display">{t.signedIn.welcome(name)}</h1>
      <p className="lead">{t.signedIn.subtitle}</p>
    </main>
  );
}
