// vncd's noVNC page: one RFB connection to the websocket beside this page.
// See vnc.html for the URL layout and the query parameters.
import RFB from './novnc/core/rfb.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const RESIZE_MODES = ['off', 'scale', 'remote'];

/**
 * ws(s)://<this host:port>/<path>: the path is relative to this page ("?path=/x" from the
 * root). Never another server: a link must not send someone's password elsewhere.
 */
function websocketUrl(path) {
  const url = new URL(path, location.href);
  if (url.host !== location.host) throw new Error(`path ${JSON.stringify(path)} leaves this server`);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}

let wsUrl = '';
let badPath = '';
try {
  wsUrl = websocketUrl(params.get('path') || 'websockify');
} catch (e) {
  badPath = e.message;
}
let rfb = null;
let everConnected = false;
let failure = ''; // why the last attempt ended, when noVNC told us
let desktopName = '';

function setStatus(state, text) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
  document.documentElement.dataset.state = state;
  const live = state === 'connected';
  $('ctrl-alt-del').disabled = !live;
  $('clipboard-send').disabled = !live;
  $('connect').textContent = state === 'disconnected' || state === 'failed' ? 'Connect' : 'Disconnect';
}

function connect() {
  if (badPath) {
    setStatus('failed', `Cannot connect: ${badPath}`);
    return;
  }
  everConnected = false;
  failure = '';
  desktopName = '';
  setStatus('connecting', `Connecting to ${wsUrl} …`);
  try {
    rfb = new RFB($('screen'), wsUrl, { shared: true });
  } catch (e) {
    rfb = null;
    setStatus('failed', `Cannot connect: ${e.message}`);
    return;
  }
  applyResizeMode();
  rfb.addEventListener('connect', onConnect);
  rfb.addEventListener('disconnect', onDisconnect);
  rfb.addEventListener('credentialsrequired', onCredentialsRequired);
  rfb.addEventListener('securityfailure', onSecurityFailure);
  rfb.addEventListener('clipboard', (e) => {
    $('clipboard-text').value = e.detail.text;
  });
  rfb.addEventListener('desktopname', (e) => {
    desktopName = e.detail.name;
    document.title = desktopName ? `${desktopName} · vncd` : 'vncd';
  });
  // For embedders and tests: the live RFB object, announced before any byte arrives.
  window.vncd = { rfb, url: wsUrl };
  window.dispatchEvent(new CustomEvent('vncd:rfb', { detail: rfb }));
}

function onConnect() {
  everConnected = true;
  const secure = wsUrl.startsWith('wss:') ? ' (encrypted)' : '';
  setStatus('connected', `Connected to ${desktopName || wsUrl}${secure}`);
  rfb.focus();
}

function onDisconnect(e) {
  const dialog = $('credentials');
  if (dialog.open) dialog.close('gone');
  rfb = null;
  if (failure) {
    setStatus('failed', failure);
  } else if (e.detail.clean) {
    setStatus('disconnected', 'Disconnected');
  } else {
    setStatus('failed', everConnected ? 'Connection lost' : `Could not connect to ${wsUrl}`);
  }
}

function onSecurityFailure(e) {
  const why = e.detail.reason || `security result ${e.detail.status}`;
  failure = `Authentication failed: ${why}`;
}

function onCredentialsRequired(e) {
  const types = e.detail.types;
  const needsUser = types.includes('username');
  $('username-row').hidden = !needsUser;
  $('credentials-title').textContent = needsUser
    ? 'The server asks for a username and password.'
    : 'The server asks for a password.';
  $('password').value = '';
  setStatus('credentials', needsUser ? 'Username and password required' : 'Password required');
  $('credentials').showModal();
  (needsUser && !$('username').value ? $('username') : $('password')).focus();
}

$('credentials').addEventListener('close', () => {
  const dialog = $('credentials');
  if (!rfb || dialog.returnValue === 'gone') return;
  if (dialog.returnValue === 'ok') {
    const creds = { password: $('password').value };
    if (!$('username-row').hidden) creds.username = $('username').value;
    $('password').value = '';
    setStatus('connecting', 'Authenticating …');
    rfb.sendCredentials(creds);
  } else {
    failure = 'Cancelled: no password given';
    rfb.disconnect();
  }
  dialog.returnValue = '';
});

function applyResizeMode() {
  const mode = $('resize').value;
  if (!rfb) return;
  rfb.scaleViewport = mode === 'scale';
  rfb.resizeSession = mode === 'remote';
}

$('resize').value = RESIZE_MODES.includes(params.get('resize')) ? params.get('resize') : 'off';
$('resize').addEventListener('change', applyResizeMode);

$('clipboard-toggle').addEventListener('click', () => {
  const panel = $('clipboard-panel');
  panel.hidden = !panel.hidden;
  $('clipboard-toggle').setAttribute('aria-expanded', String(!panel.hidden));
  if (!panel.hidden) $('clipboard-text').focus();
});

$('clipboard-send').addEventListener('click', () => {
  if (rfb) rfb.clipboardPasteFrom($('clipboard-text').value);
});

$('ctrl-alt-del').addEventListener('click', () => {
  if (rfb) {
    rfb.sendCtrlAltDel();
    rfb.focus();
  }
});

$('fullscreen').hidden = !document.fullscreenEnabled;
$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
});

$('connect').addEventListener('click', () => {
  if (rfb) {
    rfb.disconnect();
  } else {
    connect();
  }
});

connect();
