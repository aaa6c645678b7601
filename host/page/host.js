// The side-by-side page: keeps the phone frame on the verification page of the code the TV shows.
const phone = document.getElementById('phone');
const idle = document.getElementById('phone-idle');
const idleText = document.getElementById('phone-idle-text');
const link = document.getElementById('phone-link');

const config = await fetch('/host/config.json').then((r) => r.json()).catch(() => ({ phoneCanEmbed: false }));
let shown = '';

// Beside the screens, what the person needs to finish: the demo account to type on the phone, and
// how their own phone gets in. Text nodes only: nothing from the server is parsed as HTML.
if (config.demoUser) {
  document.getElementById('demo-email').textContent = config.demoUser.email;
  document.getElementById('demo-password').textContent = config.demoUser.password;
  document.getElementById('demo-account').hidden = false;
}
if (config.realPhone) {
  const line = document.getElementById('real-phone');
  const code = (text) => Object.assign(document.createElement('code'), { textContent: text });
  if (config.realPhone.url) {
    line.append('Your own phone: scan the QR code on the TV; it leads to ', code(config.realPhone.url), ', which the phone must reach (the same Wi-Fi as this computer).');
  } else {
    line.append('Your own phone: start with ', code(config.realPhone.hint), ' (', code(`npm start -- ${config.realPhone.hint}`), ") so that the QR code carries this computer's network address.");
  }
  line.hidden = false;
}

function update(view) {
  const target = view.code?.qrText;
  if (view.state === 'awaiting_user' && target && target !== shown) {
    shown = target;
    if (config.phoneCanEmbed) {
      phone.src = target;
      phone.hidden = false;
      idle.hidden = true;
    } else {
      // Real providers refuse to be framed, and so do our pages on a LAN or public address (another
      // site than this page's, whose cookies a frame does not get): offer the address instead.
      idleText.textContent = config.realPhone?.url
        ? 'Scan the QR code on the TV with your phone, or open this address in a new tab:'
        : 'Open this address on your phone (the provider does not allow it inside a frame):';
      link.textContent = target;
      link.href = target;
      link.hidden = false;
    }
  }
  if (view.state === 'idle' && shown) {
    shown = '';
    phone.hidden = true;
    phone.removeAttribute('src');
    idle.hidden = false;
    link.hidden = true;
  }
}

const events = new EventSource('/bridge/events');
events.addEventListener('state', (e) => update(JSON.parse(e.data)));
