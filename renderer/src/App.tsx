// The TV: follows the device's ViewState and shows the screen for it. The flow lives on the device
// side; this component only renders, announces, and forwards what the viewer presses.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DeviceBridge, HostConnection, Language, NoticeCode, ViewState } from '../../host/contract.ts';
import { ActionsContext, type Actions } from './actions.tsx';
import { LiveRegion, type Announcement } from './components/LiveRegion.tsx';
import { Stage } from './components/Stage.tsx';
import { Toast, type ToastTone } from './components/Toast.tsx';
import { I18nProvider } from './i18n/context.tsx';
import { messagesFor, type Messages } from './i18n/messages.ts';
import { clockOffsetMs } from './logic/countdown.ts';
import { errorKind } from './logic/error-kind.ts';
import { spokenUserCode } from './logic/spoken-code.ts';
import { prefersReducedMotion } from './nav/spatial.ts';
import { Busy } from './screens/Busy.tsx';
import { CheckNumber } from './screens/CheckNumber.tsx';
import { Code } from './screens/Code.tsx';
import { HostLost } from './screens/HostLost.tsx';
import { InBrowser } from './screens/InBrowser.tsx';
import { Denied, ErrorScreen, Expired } from './screens/Outcome.tsx';
import { SignedIn, WelcomeBanner } from './screens/SignedIn.tsx';
import { Welcome } from './screens/Welcome.tsx';
import type HomeRootType from './home/HomeRoot.tsx';

// Home's code is fetched while the viewer is busy with the phone (see the effect below). Once it is
// here it is rendered directly: through React.lazy the first render would still suspend on a fresh
// import() promise, and React then holds the revealed content back for its fallback throttle
// (300 ms), which was most of the time from Allow to Home.
let homeModule: { default: typeof HomeRootType } | undefined;
const loadHome = () => import('./home/HomeRoot.tsx').then((module) => (homeModule = module));
const LazyHomeRoot = lazy(loadHome);

const GREETING_MS = 2200;
const GREETING_REDUCED_MS = 1500;
const TOAST_MS = 6000;

interface Received {
  view: ViewState;
  /** Host clock minus local clock when this state arrived. */
  offsetMs: number;
}

/** What a screen reader should hear when the flow moves from `before` to `now`, if anything. */
function announcementFor(t: Messages, before: ViewState | undefined, now: ViewState): { text: string; urgent?: boolean } | undefined {
  const code = now.code;
  switch (now.state) {
    case 'idle': {
      if (before?.state === 'idle') return undefined;
      const ready = before?.state === 'signing_out' ? t.live.signedOut : t.live.idle;
      // Welcome shows the notice ("Your sign-in has ended"): said with it, not only seen.
      return { text: now.notice ? `${ready} ${t.notice[now.notice]}` : ready };
    }
    case 'requesting':
      return { text: t.live.requesting };
    case 'awaiting_user': {
      if (now.method === 'browser') return before?.state === 'awaiting_user' && before.method === 'browser' ? undefined : { text: t.live.inBrowser };
      if (!code) return undefined;
      const newCode = before?.state !== 'awaiting_user' || before.code?.userCode !== code.userCode;
      if (newCode) {
        const said = t.live.awaitingUser(spokenUserCode(code.displayCode), code.verificationUri);
        return { text: code.renewedAt !== undefined ? `${t.live.renewed} ${said}` : said };
      }
      const check = code.proximity;
      const checkBefore = before?.code?.proximity;
      if (check && (check.step !== checkBefore?.step || check.attemptsLeft !== checkBefore?.attemptsLeft)) {
        if (check.step === 'checking') return { text: t.live.checkNumberChecking };
        if (check.step === 'wrong') return { text: check.attemptsLeft === undefined ? t.check.wrong : t.check.wrongLeft(check.attemptsLeft), urgent: true };
        return { text: t.live.checkNumber };
      }
      if (before?.network !== now.network) return { text: now.network === 'retrying' ? t.live.reconnecting : t.live.reconnected };
      return undefined;
    }
    case 'signed_in':
      if (before?.state === 'signed_in') return undefined;
      return { text: now.profile ? t.live.signedIn(now.profile.name) : t.live.signedInUnnamed };
    case 'signing_out':
      return { text: t.live.signingOut };
    case 'denied':
      return { text: `${t.denied.title}. ${now.error?.code === 'check_number_exhausted' ? t.denied.checkNumber : t.denied.body}`, urgent: true };
    case 'expired':
      return { text: `${t.expired.title}. ${t.expired.pressOk}.`, urgent: true };
    case 'error': {
      const words = t.error[errorKind(now.error?.code)];
      return { text: `${t.error.title}. ${words.what} ${words.next}`, urgent: true };
    }
    default:
      return undefined;
  }
}

function useViewState(bridge: DeviceBridge): Received | undefined {
  const [received, setReceived] = useState<Received | undefined>();
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const accept = (view: ViewState) => {
      if (!alive) return;
      const offsetMs = clockOffsetMs(view.hostNow, Date.now());
      // The first GET can answer after a newer pushed state: keep whichever the host sent last.
      setReceived((previous) => (previous && previous.view.hostNow > view.hostNow ? previous : { view, offsetMs }));
    };
    const unsubscribe = bridge.onState(accept);
    let attempt = 0;
    const load = () => {
      bridge.getState().then(accept, () => {
        attempt += 1;
        timer = setTimeout(load, Math.min(10_000, 500 * 2 ** attempt));
      });
    };
    load();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
    };
  }, [bridge]);
  return received;
}

/** Whether the bridge hears the device side; always `connected` for a bridge that cannot lose it (Electron). */
function useHostConnection(bridge: DeviceBridge): HostConnection {
  const [connection, setConnection] = useState<HostConnection>('connected');
  useEffect(() => bridge.onConnection?.(setConnection), [bridge]);
  return connection;
}

/** True for a short while after the flow reaches signed_in: the "Welcome, <name>" banner. */
function useGreeting(signedIn: boolean): boolean {
  const [greeting, setGreeting] = useState(false);
  useEffect(() => {
    setGreeting(signedIn);
    if (!signedIn) return undefined;
    const timer = setTimeout(() => setGreeting(false), prefersReducedMotion() ? GREETING_REDUCED_MS : GREETING_MS);
    return () => clearTimeout(timer);
  }, [signedIn]);
  return greeting;
}

/** The whole TV renderer for one bridge. */
export function App({ bridge }: { bridge: DeviceBridge }) {
  const received = useViewState(bridge);
  const hostLost = useHostConnection(bridge) === 'lost';
  const view = received?.view;
  const language: Language = view?.language ?? 'en';
  const t = messagesFor(language);
  const [announcement, setAnnouncement] = useState<Announcement | undefined>();
  const [toast, setToast] = useState<{ text: string; tone: ToastTone } | undefined>();
  const previous = useRef<ViewState | undefined>(undefined);
  // "Signed out" on Welcome after a sign-out (not after a session that ended by itself).
  const [signedOut, setSignedOut] = useState(false);
  const signOutPressed = useRef(false);
  const wasLost = useRef(false);
  const signedIn = view?.state === 'signed_in';
  const greeting = useGreeting(signedIn);
  // Chosen again only when signed_in starts or ends, so it stays the same for a whole session:
  // switching from the lazy component to the loaded one mid-session would remount Home and lose
  // the page it is on. (`signedIn` is the dependency on purpose; the value does not read it.)
  const HomeScreen = useMemo(() => homeModule?.default ?? LazyHomeRoot, [signedIn]);

  const announce = useCallback((text: string, urgent = false) => {
    setAnnouncement((last) => ({ text, urgent, id: (last?.id ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    if (!view) return;
    const said = announcementFor(t, previous.current, view);
    const before = previous.current?.state;
    if (view.state !== 'idle') setSignedOut(false);
    else if (before === 'signing_out' || (before === 'signed_in' && signOutPressed.current)) setSignedOut(true);
    if (view.state !== 'signed_in' && view.state !== 'signing_out') signOutPressed.current = false;
    previous.current = view;
    if (said) announce(said.text, said.urgent);
    // Fetch Home's code while the viewer is busy with the phone, so it is ready on sign-in.
    if (view.state === 'awaiting_user' || view.state === 'signed_in') void loadHome();
  }, [view, t, announce]);

  useEffect(() => {
    if (hostLost) {
      wasLost.current = true;
      announce(t.live.hostLost, true);
    } else if (wasLost.current) {
      wasLost.current = false;
      announce(t.live.hostBack);
    }
  }, [hostLost, t, announce]);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t.appName;
  }, [language, t]);

  useEffect(() => {
    if (toast === undefined) return undefined;
    const timer = setTimeout(() => setToast(undefined), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast]);

  // A notice that comes with a sign-in ("your name could not be loaded") is a polite note on Home,
  // once the greeting has gone (the two would share the bottom of the screen), and said once.
  const greeted = useRef(false);
  const noted = useRef<NoticeCode | undefined>(undefined);
  const notice = view?.notice;
  useEffect(() => {
    if (!signedIn) {
      greeted.current = false;
      noted.current = undefined;
      return;
    }
    if (greeting) {
      greeted.current = true;
      return;
    }
    if (!greeted.current || !notice || noted.current === notice) return;
    noted.current = notice;
    setToast({ text: t.notice[notice], tone: 'note' });
    announce(t.notice[notice]);
  }, [signedIn, greeting, notice, t, announce]);

  const actions = useMemo<Actions>(() => {
    const run = (action: () => Promise<void>) => {
      action().catch(() => {
        setToast({ text: t.common.actionFailed, tone: 'problem' });
        announce(t.common.actionFailed, true);
      });
    };
    return {
      signIn: () => run(() => bridge.signIn()),
      signInOnThisComputer: () => run(() => bridge.signInOnThisComputer()),
      cancel: () => run(() => bridge.cancel()),
      newCode: () => run(() => bridge.newCode()),
      enterCheckNumber: (checkNumber) => run(() => bridge.enterCheckNumber(checkNumber)),
      signOut: () => {
        signOutPressed.current = true;
        run(() => bridge.signOut());
      },
      setLanguage: (next) => run(() => bridge.setLanguage(next)),
      getCatalog: () => bridge.getCatalog(),
      announce: (text) => announce(text),
    };
  }, [bridge, t, announce]);

  let screen;
  if (hostLost) screen = <HostLost />;
  else if (!view) screen = <Busy title={t.common.connecting} />;
  else {
    switch (view.state) {
      case 'idle':
        screen = <Welcome view={view} signedOut={signedOut} />;
        break;
      case 'requesting':
        screen = <Busy title={t.requesting.title} />;
        break;
      case 'awaiting_user':
        // Approved on a phone on another network: the number it shows, before anything else.
        screen = view.method === 'browser' ? (
          <InBrowser />
        ) : !view.code ? (
          <Busy title={t.requesting.title} />
        ) : view.code.proximity ? (
          <CheckNumber check={view.code.proximity} />
        ) : (
          <Code view={view} code={view.code} offsetMs={received.offsetMs} />
        );
        break;
      case 'signed_in':
        // Home at once (its catalogue loads behind the greeting); the greeting is a banner over it.
        screen = (
          <>
            <Suspense fallback={<SignedIn profile={view.profile} />}>
              <HomeScreen view={view} />
            </Suspense>
            {greeting ? <WelcomeBanner profile={view.profile} /> : null}
          </>
        );
        break;
      case 'signing_out':
        screen = <Busy title={t.signingOut.title} />;
        break;
      case 'denied':
        screen = <Denied view={view} />;
        break;
      case 'expired':
        screen = <Expired />;
        break;
      case 'error':
        screen = <ErrorScreen view={view} />;
        break;
    }
  }

  return (
    <I18nProvider language={language}>
      <ActionsContext value={actions}>
        {/* While the host is lost the flow state is unknown: no data-state, and data-host="lost". */}
        <Stage data-testid="tv" {...(view && !hostLost ? { 'data-state': view.state } : {})} {...(hostLost ? { 'data-host': 'lost' } : {})}>
          {screen}
          {toast ? <Toast text={toast.text} tone={toast.tone} /> : null}
        </Stage>
        <LiveRegion announcement={announcement} />
      </ActionsContext>
    </I18nProvider>
  );
}
