// The side-by-side page: keeps the phone frame on the verification page of the code the TV shows.
const phone = document.getElementById('phone');
const idle = document.getElementById('phone-idle');
const idleText = document.getElementById('phone-idle-text');
const link = document.getElementById('phone-link');

const config = await fetch('/host/config.json').then((r) => r.json()).catch(() => ({ phoneCanEmbed: false }));
let shown = '';

function update(view) {
  const target = view.code?.qrText;
  if (view.state === 'awaiting_user' && target && target !== shown) {
    shown = target;
    if (config.phoneCanEmbed) {
      phone.src = target;
      phone.hidden = false;
      idle.hidden = true;
    } else {
      // Real providers refuse to be framed: offer the address instead.
      idleText.textContent = 'Open this address on your phone (the provider does not allow it inside a frame):';
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
