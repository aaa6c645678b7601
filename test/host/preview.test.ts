// The design previews are the real controller driven by a scripted sign-in service: each must reach
// the screen it is named after, with what sets that screen apart, through the real reducer.
import { afterEach, describe, expect, it } from 'vitest';
import type { ViewState } from '../../host/contract.ts';
import type { DeviceController } from '../../host/device-controller.ts';
import { createPreviewController, PREVIEW_NAMES, type PreviewName } from '../../host/preview.ts';

/** What each preview's ViewState must show, besides the flow state its name starts with. */
const EXPECTED: Record<PreviewName, (view: ViewState) => void> = {
  idle: (view) => expect(view.notice).toBeUndefined(),
  'idle-session_ended': (view) => expect(view.notice).toBe('session_ended'),
  'idle-signed_out_from_account': (view) => {
    expect(view.notice).toBe('signed_out_from_account');
    expect(view.profile).toBeUndefined();
  },
  requesting: (view) => expect(view.code).toBeUndefined(),
  awaiting_user: (view) => {
    expect(view.network).toBe('online');
    expect(view.code).toMatchObject({ userCode: 'WDJBMJHT', displayCode: 'WDJB-MJHT', qrText: 'https://login.example.com/device?user_code=WDJBMJHT' });
  },
  'awaiting_user-retrying': (view) => {
    expect(view.network).toBe('retrying');
    expect(view.code?.displayCode).toBe('WDJB-MJHT');
  },
  'awaiting_user-message': (view) => {
    // Entra: nine characters in threes, no verification_uri_complete, a sentence of its own.
    expect(view.code).toMatchObject({ displayCode: 'FNC-DQ6-NXL', qrText: 'https://login.example.com/device' });
    expect(view.code?.message).toContain('enter the code FNCDQ6NXL');
  },
  signed_in: (view) => {
    expect(view.profile).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(view.notice).toBeUndefined();
  },
  'signed_in-profile_unavailable': (view) => {
    expect(view.profile).toBeUndefined();
    expect(view.notice).toBe('profile_unavailable');
  },
  signing_out: (view) => expect(view.profile).toBeUndefined(),
  denied: (view) => expect(view.error?.code).toBe('access_denied'),
  expired: (view) => {
    expect(view.error?.code).toBe('expired_token');
    expect(view.autoRenewalsLeft).toBe(0);
  },
  error: (view) => expect(view.error?.code).toBe('invalid_client'),
};

let controller: DeviceController | undefined;
afterEach(async () => {
  await controller?.close();
  controller = undefined;
});

describe('design previews from the real controller', () => {
  it.each(PREVIEW_NAMES)('%s reaches its data-state', async (name) => {
    controller = await createPreviewController(name, { language: 'zh-TW' });
    const view = controller.getState();
    expect(view.state).toBe(name.split('-')[0]);
    expect(view.language).toBe('zh-TW');
    EXPECTED[name](view);
  });

  it('stays on a screen that waits for the service (a code being requested)', async () => {
    controller = await createPreviewController('requesting');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(controller.getState().state).toBe('requesting');
  });

  it('answers the remote as the device does: Back on the code screen returns to Welcome', async () => {
    controller = await createPreviewController('awaiting_user');
    controller.cancel();
    expect(controller.getState().state).toBe('idle');
  });
});
