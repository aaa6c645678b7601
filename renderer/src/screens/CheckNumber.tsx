// The proximity check on the TV (RFC 10027): the code was approved on a phone on another network, so
// the sign-in waits for the two-digit number that phone shows. Entered with what a remote has: the
// number buttons (each sets the digit in focus and moves on), or the D-pad (▲ ▼ turn the digit in
// focus, ◀ ▶ move between the digits and to Confirm), and OK sends. Each digit is a spinbutton, so a
// screen reader says which digit it is and its value as it changes; the state of the check (asked,
// checking, wrong with the tries left) is said through the live region by App.tsx.
import { useFocusable } from '@noriginmedia/norigin-spatial-navigation';
import { useCallback, useEffect, useState, type KeyboardEvent } from 'react';
import type { ProximityCheck } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { Icon } from '../components/Icon.tsx';
import { useI18n } from '../i18n/context.tsx';
import { EMPTY_DIGITS, enteredNumber, setDigit, stepDigit, type Digits } from '../logic/check-digits.ts';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';
import { currentFocusKey, focusKey } from '../nav/spatial.ts';

const digitKey = (index: number) => `check-digit-${index}`;
const SEND_KEY = 'check-send';

/** One digit of the entry: a spinbutton the remote focuses, turns with ▲ ▼ and sets with a number button. */
function Digit({ index, value, onStep, onType, onClear, onSend }: {
  index: number;
  value: number | undefined;
  onStep: (index: number, delta: 1 | -1) => void;
  onType: (index: number, digit: number) => void;
  onClear: (index: number) => boolean;
  onSend: () => void;
}) {
  const { t } = useI18n();
  const { ref, focused, focusSelf, focusKey: key } = useFocusable<object, HTMLDivElement>({
    focusKey: digitKey(index),
    // ▲ ▼ belong to the digit; ◀ ▶ move to the neighbour as everywhere else.
    onArrowPress: (direction) => {
      if (direction === 'up' || direction === 'down') {
        onStep(index, direction === 'up' ? 1 : -1);
        return false;
      }
      return true;
    },
    onEnterPress: onSend,
  });
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (/^[0-9]$/.test(event.key)) {
      event.preventDefault();
      onType(index, Number(event.key));
    } else if (event.key === 'Backspace' && onClear(index)) {
      // A keyboard's Backspace deletes the digit here; it is Back (cancel) only when there is nothing to delete.
      event.preventDefault();
      event.stopPropagation();
    }
  };
  return (
    <div
      ref={ref}
      role="spinbutton"
      tabIndex={0}
      className={`check__digit focusable${value === undefined ? ' check__digit--empty' : ''}`}
      data-testid={`check-digit-${index}`}
      data-focused={focused}
      aria-label={t.check.digitLabel(index + 1, EMPTY_DIGITS.length)}
      aria-valuemin={0}
      aria-valuemax={9}
      {...(value === undefined ? { 'aria-valuetext': t.check.blank } : { 'aria-valuenow': value })}
      onKeyDown={onKeyDown}
      onFocus={() => currentFocusKey() !== key && focusSelf()}
      onClick={() => focusSelf()}
    >
      {value ?? '–'}
    </div>
  );
}

/** The awaiting_user screen while the server waits for the phone's check number. */
export function CheckNumber({ check }: { check: ProximityCheck }) {
  const { t } = useI18n();
  const { enterCheckNumber, newCode, cancel, announce } = useActions();
  const [digits, setDigits] = useState<Digits>(EMPTY_DIGITS);
  const [incomplete, setIncomplete] = useState(false);
  const checking = check.step === 'checking';
  useFocusOnArrival(digitKey(0));
  useBack(cancel);

  // A wrong number is cleared, and the entry starts again from the first digit.
  useEffect(() => {
    if (check.step !== 'wrong') return;
    setDigits(EMPTY_DIGITS);
    focusKey(digitKey(0));
  }, [check.step, check.attemptsLeft]);

  const edit = useCallback((next: (digits: Digits) => Digits) => {
    setIncomplete(false);
    setDigits(next);
  }, []);
  const onStep = useCallback((index: number, delta: 1 | -1) => edit((d) => stepDigit(d, index, delta)), [edit]);
  const onType = useCallback(
    (index: number, digit: number) => {
      edit((d) => setDigit(d, index, digit));
      focusKey(index + 1 < EMPTY_DIGITS.length ? digitKey(index + 1) : SEND_KEY);
    },
    [edit],
  );
  const onClear = useCallback(
    (index: number) => {
      if (digits[index] !== undefined) {
        edit((d) => setDigit(d, index, undefined));
        return true;
      }
      if (index === 0) return false;
      focusKey(digitKey(index - 1));
      return true;
    },
    [digits, edit],
  );
  const send = useCallback(() => {
    if (checking) return;
    const number = enteredNumber(digits);
    if (number === undefined) {
      setIncomplete(true);
      announce(t.check.incomplete);
      return;
    }
    enterCheckNumber(number);
  }, [checking, digits, enterCheckNumber, announce, t]);

  const wrong = check.step === 'wrong';
  const message = checking
    ? t.check.checking
    : incomplete
      ? t.check.incomplete
      : wrong
        ? check.attemptsLeft === undefined
          ? t.check.wrong
          : t.check.wrongLeft(check.attemptsLeft)
        : t.check.howTo;

  return (
    <main className="screen check" data-testid="check-number-screen" data-check={check.step}>
      <h1 className="title">{t.check.title}</h1>
      <p className="lead check__lead" id="check-lead">
        {t.check.lead}
      </p>
      <FocusGroup className="check__entry" focusKey="check-entry" aria-labelledby="check-lead">
        <div className="check__digits" role="group" aria-labelledby="check-lead">
          {digits.map((value, index) => (
            <Digit key={index} index={index} value={value} onStep={onStep} onType={onType} onClear={onClear} onSend={send} />
          ))}
        </div>
        <FocusButton focusKey={SEND_KEY} className="button button--primary button--large" onPress={send} aria-disabled={checking}>
          {t.check.send}
        </FocusButton>
      </FocusGroup>
      <p className={`check__message${wrong || incomplete ? ' check__message--problem' : ''}`} data-testid="check-message">
        {wrong || incomplete ? <Icon name="warning" size={34} /> : null}
        {message}
      </p>
      <p className="check__why">{t.check.why}</p>
      <FocusGroup className="actions" focusKey="check-actions">
        <FocusButton focusKey="check-new-code" className="button" onPress={newCode}>
          {t.common.getNewCode}
        </FocusButton>
        <FocusButton focusKey="check-cancel" className="button button--quiet" onPress={cancel}>
          {t.code.cancel}
        </FocusButton>
      </FocusGroup>
    </main>
  );
}
