// Who is signed in: the validated id_token's claims merged with userinfo (OIDC Core §5.3.2).
import { DeviceLoginError } from './errors.ts';
import type { Profile } from './types.ts';

/**
 * One Profile from the id_token and userinfo, userinfo's fresher values first. A different `sub`
 * means the userinfo answer is about someone else: an error, never a silent merge (OIDC Core §5.3.2).
 */
export function mergeProfiles(
  fromIdToken: Profile | undefined,
  fromUserinfo: Profile | undefined,
  where: string,
): Profile | undefined {
  if (!fromIdToken) return fromUserinfo;
  if (!fromUserinfo) return fromIdToken;
  if (fromIdToken.sub !== fromUserinfo.sub) {
    throw new DeviceLoginError(
      'invalid_response',
      `${where} answered userinfo for another user than the id_token names (sub mismatch).`,
    );
  }
  const merged: Profile = { sub: fromIdToken.sub };
  const name = fromUserinfo.name ?? fromIdToken.name;
  if (name) merged.name = name;
  const email = fromUserinfo.email ?? fromIdToken.email;
  if (email) merged.email = email;
  const picture = fromUserinfo.picture ?? fromIdToken.picture;
  if (picture) merged.picture = picture;
  return merged;
}
