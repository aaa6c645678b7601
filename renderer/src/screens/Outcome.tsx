// The side exits of the flow (denied, expired, error): what happened and one obvious next step.
import type { ReactNode } from 'react';
import type { ViewState } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { Icon, type IconName } from '../components/Icon.tsx';
import { useI18n } from '../i18n/context.tsx';
import { errorKind } from '../logic/error-kind.ts';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';

function OutcomeLayout({ tone, icon, title, children, primaryLabel, onPrimary }: {
  tone: 'warn' | 'error';
  icon: IconName;
  title: string;
  children: ReactNode;
  primaryLabel: string;
  onPrimary: () => void;
}) {
  const { t } = useI18n();
  const { cancel } = useActions();
  useFocusOnArrival('outcome-primary');
  useBack(cancel);
  return (
    <main className={`screen outcome outcome--${tone}`}>
      <div className="outcome__icon">
        <Icon name={icon} size={88} />
      </div>
      <h1 className="display">{title}</h1>
      {children}
      <FocusGroup className="actions" focusKey="outcome-actions">
        <FocusButton focusKey="outcome-primary" className="button button--primary button--large" onPress={onPrimary}>
          {primaryLabel}
        </FocusButton>
        <FocusButton focusKey="outcome-back" className="button button--large" onPress={cancel}>
          {t.common.backToStart}
        </FocusButton>
      </FocusGroup>
    </main>
  );
}

/** The user chose Deny on the phone, or the phone's check number was entered wrong too many times. */
export function Denied({ view }: { view: ViewState }) {
  const { t } = useI18n();
  const { newCode } = useActions();
  const body = view.error?.code === 'check_number_exhausted' ? t.denied.checkNumber : t.denied.body;
  return (
    <OutcomeLayout tone="warn" icon="cross" title={t.denied.title} primaryLabel={t.common.getNewCode} onPrimary={newCode}>
      <p className="lead" data-testid="denied-why">{body}</p>
    </OutcomeLayout>
  );
}

/** The code ran out before anyone used it (RFC 8628 §3.5: wait for the user to ask again). */
export function Expired() {
  const { t } = useI18n();
  const { newCode } = useActions();
  return (
    <OutcomeLayout tone="warn" icon="clock" title={t.expired.title} primaryLabel={t.common.getNewCode} onPrimary={newCode}>
      <p className="lead">{t.expired.body}</p>
      <p className="press-ok">
        <kbd>OK</kbd> {t.expired.pressOk}
      </p>
    </OutcomeLayout>
  );
}

/**
 * Anything else that stopped the flow: what happened and what to do next, in the TV's language,
 * chosen by the error's code (the technical message is in the device's log, not on screen).
 */
export function ErrorScreen({ view }: { view: ViewState }) {
  const { t } = useI18n();
  const { signIn } = useActions();
  const words = t.error[errorKind(view.error?.code)];
  return (
    <OutcomeLayout tone="error" icon="alert" title={t.error.title} primaryLabel={t.common.retry} onPrimary={signIn}>
      <p className="lead" data-testid="error-what" {...(view.error ? { 'data-error-code': view.error.code } : {})}>
        {words.what}
      </p>
      <p className="lead">{words.next}</p>
    </OutcomeLayout>
  );
}
