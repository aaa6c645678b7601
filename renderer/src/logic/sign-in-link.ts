// The `/tv/?signin` deep link, apart from the bridge so that it can be tested without a DOM.

/**
 * `/tv/?signin`: the TV was opened to sign in (a "Sign in" deep link, or the host page starting the
 * TV for that), so the code is asked for on load instead of after OK on the Welcome screen. A TV
 * that is already signed in or showing a code is left as it is (the device ignores the request).
 */
export function signInRequested(params: URLSearchParams): boolean {
  const value = params.get('signin');
  return value !== null && value !== '0' && value !== 'false';
}
