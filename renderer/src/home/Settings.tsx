// Settings: who is signed in, with which provider, the language, and Sign out. Sign out asks first:
// one stray OK on a remote must not sign the household out (and signing in again needs a phone).
import { useCallback, useState } from 'react';
import type { ViewState } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { Avatar } from '../components/Avatar.tsx';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { useI18n } from '../i18n/context.tsx';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';
import { focusKey } from '../nav/spatial.ts';

/**
 * "Sign out of this TV?" with Sign out and Cancel. Focus starts on Cancel, the answer that loses
 * nothing; Back is Cancel too; the remote cannot leave the dialog until it is answered.
 */
function ConfirmSignOut({ onConfirm, onCancel }: { onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  useFocusOnArrival('sign-out-cancel');
  useBack(onCancel);
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby="confirm-sign-out-title"
      aria-describedby="confirm-sign-out-body"
      data-testid="confirm-sign-out"
    >
      <div className="confirm__panel">
        <h2 className="title" id="confirm-sign-out-title">
          {t.settings.confirmTitle}
        </h2>
        <p className="lead" id="confirm-sign-out-body">
          {t.settings.confirmBody}
        </p>
        <FocusGroup className="actions" focusKey="sign-out-confirm" boundary>
          <FocusButton focusKey="sign-out-yes" className="button button--danger" onPress={onConfirm}>
            {t.settings.confirmSignOut}
          </FocusButton>
          <FocusButton focusKey="sign-out-cancel" className="button" onPress={onCancel}>
            {t.settings.confirmCancel}
          </FocusButton>
        </FocusGroup>
      </div>
    </div>
  );
}

/** The Settings page (below the Menu). */
export function Settings({ view }: { view: ViewState }) {
  const { language, t } = useI18n();
  const { signOut } = useActions();
  const [confirming, setConfirming] = useState(false);
  useFocusOnArrival(`settings-language-${language}`);
  const cancel = useCallback(() => {
    setConfirming(false);
    focusKey('settings-sign-out');
  }, []);
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
            <span className="settings__name">{view.provider.embedded ? t.welcome.embeddedProvider : view.provider.name}</span>
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
            <FocusButton
              focusKey="settings-sign-out"
              className="button button--danger button--large"
              aria-haspopup="dialog"
              onPress={() => setConfirming(true)}
            >
              {t.settings.signOut}
            </FocusButton>
            <span className="muted">{t.settings.signOutHint}</span>
          </dd>
        </div>
      </dl>
      {confirming ? <ConfirmSignOut onConfirm={signOut} onCancel={cancel} /> : null}
    </div>
  );
}
