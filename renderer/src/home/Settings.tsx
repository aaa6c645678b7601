// Settings: who is signed in, with which provider, the language, and Sign out.
import type { ViewState } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { Avatar } from '../components/Avatar.tsx';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { useI18n } from '../i18n/context.tsx';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { FocusButton } from '../nav/focusable.tsx';

/** The Settings page (below the Menu). */
export function Settings({ view }: { view: ViewState }) {
  const { language, t } = useI18n();
  const { signOut } = useActions();
  useFocusOnArrival(`settings-language-${language}`);
  const profile = view.profile;
  return (
    <div className="settings" data-testid="settings">
      <h1 className="title">{t.settings.title}</h1>
      <dl className="settings__list">
        <div className="settings__item">
          <dt>{t.settings.account}</dt>
          <dd className="settings__account">
            {profile ? <Avatar profile={profile} size={96} /> : null}
            <span className="settings__who">
              <span className="settings__name">{profile?.name}</span>
              {profile?.email ? <span className="muted">{profile.email}</span> : null}
            </span>
          </dd>
        </div>
        <div className="settings__item">
          <dt>{t.settings.provider}</dt>
          <dd>
            <span className="settings__name">{view.provider.name}</span>
            {view.provider.issuer ? (
              <span className="muted">
                {t.settings.issuer}: <span className="mono">{view.provider.issuer}</span>
              </span>
            ) : null}
          </dd>
        </div>
        <div className="settings__item">
          <dt>{t.settings.language}</dt>
          <dd>
            <LanguagePicker keyPrefix="settings" />
          </dd>
        </div>
        <div className="settings__item">
          <dt className="visually-hidden">{t.settings.signOut}</dt>
          <dd>
            <FocusButton focusKey="settings-sign-out" className="button button--danger button--large" onPress={signOut}>
              {t.settings.signOut}
            </FocusButton>
            <span className="muted">{t.settings.signOutHint}</span>
          </dd>
        </div>
      </dl>
    </div>
  );
}
