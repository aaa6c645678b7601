// The sign-in code: QR to scan, address and code to type, time left, and whether the TV is still
// listening. RFC 8628 §3.3.1: the user code and verification_uri are always shown as text.
import { useEffect, useReducer } from 'react';
import type { ViewState, CodeView } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { CountdownRing } from '../components/CountdownRing.tsx';
import { Icon } from '../components/Icon.tsx';
import { QrCode } from '../components/QrCode.tsx';
import { UserCode } from '../components/UserCode.tsx';
import { useI18n } from '../i18n/context.tsx';
import { remainingMs } from '../logic/countdown.ts';
import { renewedNoticeLeftMs } from '../logic/renewed-code.ts';
import { speechTextForUserCode } from '../logic/spoken-code.ts';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';

function canSpeak(): boolean {
  return typeof window.speechSynthesis !== 'undefined' && typeof window.SpeechSynthesisUtterance === 'function';
}

/** The awaiting_user screen. */
export function Code({ view, code, offsetMs }: { view: ViewState; code: CodeView; offsetMs: number }) {
  const { language, t } = useI18n();
  const { newCode, cancel, announce } = useActions();
  const speech = canSpeak();
  const retrying = view.network === 'retrying';
  useFocusOnArrival(speech ? 'code-read-aloud' : 'code-new');
  useBack(cancel);

  // One spoken warning a minute before the code dies, not a ticking clock.
  useEffect(() => {
    const wait = remainingMs(code, Date.now(), offsetMs) - 60_000;
    if (wait <= 0) return undefined;
    const timer = setTimeout(() => announce(t.live.oneMinute), wait);
    return () => clearTimeout(timer);
  }, [code, offsetMs, announce, t]);

  // "New code: the old one expired" for a while after an automatic renewal; drawn again when it ends.
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const renewedLeft = renewedNoticeLeftMs(code, Date.now(), offsetMs);
  useEffect(() => {
    const left = renewedNoticeLeftMs(code, Date.now(), offsetMs);
    if (left <= 0) return undefined;
    const timer = setTimeout(redraw, left + 50);
    return () => clearTimeout(timer);
  }, [code, offsetMs]);

  const readAloud = () => {
    const utterance = new SpeechSynthesisUtterance(t.code.speech(speechTextForUserCode(code.displayCode)));
    utterance.lang = language;
    utterance.rate = 0.8;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  };

  return (
    <main className="screen code">
      <section className="code__text">
        <h1 className="title">{t.code.title}</h1>
        <ol className="steps">
          <li>
            <span className="steps__n" aria-hidden="true">1</span>
            <span>{t.code.scanStep}</span>
          </li>
          <li>
            <span className="steps__n" aria-hidden="true">2</span>
            <span>
              {t.code.orVisit}
              <span className="uri" data-testid="verification-uri">
                {code.verificationUri}
              </span>
              {t.code.enterCode}
            </span>
          </li>
        </ol>
        {renewedLeft > 0 ? (
          <p className="renewed" data-testid="code-renewed">
            <Icon name="clock" size={34} />
            {t.code.renewed}
          </p>
        ) : null}
        <UserCode displayCode={code.displayCode} />
        {code.message ? (
          <p className="provider-message">
            <span className="visually-hidden">{t.code.providerMessage}: </span>
            {code.message}
          </p>
        ) : null}
        <p className={`status${retrying ? ' status--retrying' : ''}`} data-testid="code-status">
          <span className="status__dot" aria-hidden="true" />
          {retrying ? t.code.reconnecting : t.code.waiting}
        </p>
        <p className="hint">
          <Icon name="warning" size={34} />
          {t.code.hint}
        </p>
        <FocusGroup className="actions" focusKey="code-actions">
          {speech ? (
            <FocusButton focusKey="code-read-aloud" className="button" onPress={readAloud}>
              <Icon name="speaker" size={36} />
              {t.code.readAloud}
            </FocusButton>
          ) : null}
          <FocusButton focusKey="code-new" className="button" onPress={newCode}>
            {t.common.getNewCode}
          </FocusButton>
          <FocusButton focusKey="code-cancel" className="button button--quiet" onPress={cancel}>
            {t.code.cancel}
          </FocusButton>
        </FocusGroup>
      </section>
      {/* While the TV cannot reach the sign-in service, a phone that scans fails too: the QR code steps back and says why. */}
      <section className={`code__qr${retrying ? ' code__qr--offline' : ''}`}>
        <div className="qr-card">
          <QrCode text={code.qrText} label={t.code.qrLabel} size={560} />
        </div>
        <p className="qr-caption" data-testid="qr-caption">
          {retrying ? t.code.qrOffline : t.code.scanCaption}
        </p>
        <CountdownRing code={code} offsetMs={offsetMs} />
      </section>
    </main>
  );
}
