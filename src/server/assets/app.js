// skein portal: the web dashboard's script. Plain ES2020, no dependencies, no build step.
//
// Security rule for this file: everything that comes from the API (names, owners, diffs, logs,
// messages, reasons) reaches the page as text only: through textContent, text nodes, attribute
// values set with setAttribute, or SVG <text>. Nothing here assigns innerHTML, outerHTML or calls
// insertAdjacentHTML, eval or new Function; links from data are checked to be http(s).
//
// Routes (hash): #/ campaigns, #/campaigns/ID, #/campaigns/ID/jobs/JOBID (the job's panel over the
// campaign), #/datasets, #/datasets/ID (lineage graph).
'use strict';

(() => {
  const API = '/api/v1';
  const PAGE_SIZE = 50;
  const JOB_STATES = ['waiting', 'pending', 'awaiting-approval', 'running', 'done', 'failed', 'dead',
    'cancelled', 'rolled-back'];
  const ENDED_JOB_STATES = new Set(['done', 'dead', 'cancelled', 'rolled-back']);
  const ENDED_CAMPAIGN_STATES = new Set(['completed', 'failed', 'cancelled', 'rolled-back']);
  const MIGRATING_STATES = new Set(['migrating-data', 'migrating-consumers']);
  const LABELS = {
    'awaiting-approval': 'awaiting approval',
    'rolled-back': 'rolled back',
    'rolling-back': 'rolling back',
    'migrating-data': 'migrating data',
    'migrating-consumers': 'migrating consumers',
    'not-in-campaign': 'not in a campaign',
  };

  // ---------------------------------------------------------------- DOM helpers

  // el('div', {class: 'x', testid: 'y', onclick: fn}, child, 'text', [more]) — children that are
  // not nodes become text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    setProps(node, props);
    appendAll(node, children);
    return node;
  }

  function setProps(node, props) {
    if (!props) return;
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.setAttribute('class', value);
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'testid') node.setAttribute('data-testid', value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else if (key.startsWith('on')) throw new Error(`refusing a non-function handler ${key}`);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }

  function appendAll(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // Replaces a node's children; like replaceChildren but skips null/false (which it would print).
  function fill(node, ...children) {
    node.replaceChildren();
    appendAll(node, children);
    return node;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setProps(node, attrs);
    appendAll(node, children);
    return node;
  }

  const $ = (selector, root = document) => root.querySelector(selector);

  // Only http(s) links from data become hrefs (no javascript:, data:, …).
  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  const enc = encodeURIComponent;
  const hrefCampaign = (id) => `#/campaigns/${enc(id)}`;
  const hrefJob = (campaign, job) => `#/campaigns/${enc(campaign)}/jobs/${enc(job)}`;
  const hrefDataset = (id) => `#/datasets/${enc(id)}`;

  // ---------------------------------------------------------------- formatting

  const numberFormat = new Intl.NumberFormat('en-US');
  const fmtNum = (n) => numberFormat.format(Number(n) || 0);
  const label = (state) => LABELS[state] || String(state ?? '');
  const cssToken = (s) => String(s ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '');

  function fmtPct(ratio, digits = 0) {
    if (!Number.isFinite(ratio)) return '–';
    return `${(ratio * 100).toFixed(digits)}%`;
  }

  function fmtTime(ms) {
    if (!ms) return '–';
    const d = new Date(ms);
    const now = new Date();
    const sameDay = d.toDateString() === now.toDateString();
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    if (sameDay) return time;
    return `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
  }

  function fmtDuration(ms) {
    if (!Number.isFinite(ms) || ms < 0) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h ${m - h * 60} min`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  }

  function fmtAgo(ms) {
    if (!ms) return '–';
    const delta = Date.now() - ms;
    if (delta < 5000) return 'just now';
    return `${fmtDuration(delta).replace(/ \d+ (s|min|h)$/, '')} ago`;
  }

  function timeEl(ms, relative = false) {
    return el('time', { datetime: ms ? new Date(ms).toISOString() : null, title: ms ? new Date(ms).toString() : null },
      relative ? fmtAgo(ms) : fmtTime(ms));
  }

  // A job an operator may approve: at the gate now, or (approval ahead) not yet at it.
  function approvable(job) {
    if (ENDED_JOB_STATES.has(job.state) || job.state === 'running') return false;
    return job.state === 'awaiting-approval' || Boolean(job.needs_approval && !job.approved_by);
  }

  // A change request: a link when it is a web address, else (a plain git remote) its text.
  function requestRef(url, testid) {
    const safe = safeUrl(url);
    return safe ? el('a', { href: safe, target: '_blank', rel: 'noopener noreferrer', testid }, url)
      : el('code', { class: 'request-ref', testid }, url);
  }

  function badge(state, extra) {
    return el('span', { class: `badge st-${cssToken(state)}`, 'data-state': state, ...extra }, label(state));
  }

  // ---------------------------------------------------------------- small utilities

  // Runs fn at most once per `ms`; a call during the quiet time runs once at its end.
  function throttle(fn, ms) {
    let last = 0;
    let timer = null;
    const run = () => { timer = null; last = Date.now(); fn(); };
    const call = () => {
      if (timer) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    };
    call.cancel = () => { clearTimeout(timer); timer = null; };
    return call;
  }

  function debounce(fn, ms) {
    let timer = null;
    const call = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
    call.cancel = () => clearTimeout(timer);
    return call;
  }

  function toast(message, kind = 'info') {
    const box = $('#toasts');
    const item = el('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid: 'toast' }, message);
    box.append(item);
    setTimeout(() => item.classList.add('toast-leaving'), 4200);
    setTimeout(() => item.remove(), 4600);
  }

  // ---------------------------------------------------------------- API and session

  const session = { role: null, name: null, csrf: null };
  const isOperator = () => session.role === 'operator';

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || `HTTP ${status}`);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body, retried = false) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET') {
      if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'network', 'The server could not be reached.');
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!res.ok) {
      const err = data && data.error ? data.error : {};
      const error = new ApiError(res.status, err.code || `http-${res.status}`, err.message || res.statusText);
      const sessionPath = path === `${API}/session`;
      if (res.status === 403 && error.code === 'csrf' && !retried && !sessionPath) {
        // The CSRF token may be stale (a new session elsewhere): fetch it again, try once more.
        if (await refreshSession()) return api(method, path, body, true);
      }
      if (res.status === 401 && !sessionPath) signedOut('Your session ended. Sign in again.');
      throw error;
    }
    return data;
  }

  function setSession(reply) {
    session.role = reply ? reply.role : null;
    session.name = reply ? reply.name : null;
    session.csrf = reply ? reply.csrf : null;
    const signedIn = Boolean(reply);
    $('#nav').hidden = !signedIn;
    $('#user').hidden = !signedIn;
    $('#user-name').textContent = session.name || '';
    const role = $('#role');
    role.textContent = session.role || '';
    role.className = `role role-${cssToken(session.role)}`;
    role.title = session.role === 'operator' ? 'May approve, retry, pause, resume and cancel'
      : 'Read-only: actions are hidden';
    document.body.classList.toggle('is-viewer', signedIn && !isOperator());
  }

  async function refreshSession() {
    try {
      setSession(await api('GET', `${API}/session`));
      return true;
    } catch (e) {
      if (e.status === 401) {
        setSession(null);
        return false;
      }
      throw e;
    }
  }

  function signedOut(message) {
    if (!session.role && !current) return;
    setSession(null);
    showSignIn(message);
  }

  async function signOut() {
    try {
      await api('DELETE', `${API}/session`);
    } catch (e) {
      if (e.status !== 401) toast(`Sign-out failed: ${e.message}`, 'error');
    }
    setSession(null);
    showSignIn('Signed out.');
  }

  // ---------------------------------------------------------------- live updates

  function liveIndicator() {
    const dot = el('span', { class: 'live-dot' });
    const text = el('span', { class: 'live-text' }, 'connecting');
    const node = el('span', { class: 'live live-connecting', testid: 'live', 'data-live': 'connecting',
      title: 'Live updates from the server' }, dot, text);
    return {
      el: node,
      set(state) {
        node.className = `live live-${state}`;
        node.setAttribute('data-live', state);
        text.textContent = { live: 'live', connecting: 'connecting', offline: 'offline' }[state] || state;
      },
    };
  }

  // EventSource on /api/v1/stream; reconnects (after checking the session) when the browser gives up.
  function openStream(campaign, handlers, indicator) {
    let source = null;
    let closed = false;
    let retry = null;
    const connect = () => {
      const url = `${API}/stream${campaign ? `?campaign=${enc(campaign)}` : ''}`;
      source = new EventSource(url);
      if (indicator) indicator.set('connecting');
      source.onopen = () => { if (indicator) indicator.set('live'); };
      source.onerror = () => {
        if (closed) return;
        if (source.readyState !== EventSource.CLOSED) {
          if (indicator) indicator.set('connecting');
          return;
        }
        if (indicator) indicator.set('offline');
        retry = setTimeout(async () => {
          if (closed) return;
          try {
            if (await refreshSession()) connect();
            else signedOut('Your session ended. Sign in again.');
          } catch (e) {
            retry = setTimeout(connect, 5000);
          }
        }, 3000);
      };
      for (const [name, handler] of Object.entries(handlers)) {
        source.addEventListener(name, (event) => {
          let data;
          try { data = JSON.parse(event.data); } catch (e) { return; }
          handler(data);
        });
      }
    };
    connect();
    return {
      close() {
        closed = true;
        clearTimeout(retry);
        if (source) source.close();
      },
    };
  }

  // ---------------------------------------------------------------- shared widgets

  // Consumers finished out of all consumers; before any consumer job exists, jobs ended out of all.
  function progressOf(consumers, counts) {
    if (consumers && consumers.total > 0) {
      const finished = consumers.total - consumers.remaining;
      return { finished, total: consumers.total, ratio: finished / consumers.total, unit: 'consumers' };
    }
    const c = counts || {};
    const total = c.total || 0;
    const finished = [...ENDED_JOB_STATES].reduce((sum, s) => sum + (c[s] || 0), 0);
    return { finished, total, ratio: total ? finished / total : 0, unit: 'jobs' };
  }

  function progressBar() {
    const fillBar = el('div', { class: 'progress-fill' });
    const bar = el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
      testid: 'progress' }, fillBar);
    const text = el('div', { class: 'progress-text', testid: 'progress-text' });
    const node = el('div', { class: 'progress-wrap' }, bar, text);
    return {
      el: node,
      set(consumers, counts) {
        const p = progressOf(consumers, counts);
        const pct = Math.max(0, Math.min(100, p.ratio * 100));
        fillBar.style.width = `${pct}%`;
        bar.setAttribute('aria-valuenow', pct.toFixed(1));
        bar.setAttribute('data-finished', p.finished);
        bar.setAttribute('data-total', p.total);
        bar.setAttribute('aria-label', `${p.finished} of ${p.total} ${p.unit} finished`);
        fill(text,
          el('strong', null, fmtPct(p.ratio)),
          ` · ${fmtNum(p.finished)} of ${fmtNum(p.total)} ${p.unit} finished`,
          consumers && consumers.total > 0 ? el('span', { class: 'muted' }, ` · ${fmtNum(consumers.remaining)} left`) : null);
      },
    };
  }

  function errorBox(error, what) {
    return el('div', { class: 'card error-card', role: 'alert', testid: 'error' },
      el('strong', null, what ? `Could not load ${what}` : 'Something went wrong'),
      el('p', null, error && error.message ? error.message : String(error)));
  }

  function loadingNote(text = 'Loading…') {
    return el('p', { class: 'loading' }, text);
  }

  // An in-page dialog (no window.confirm): resolves to {reason} on confirm, null otherwise.
  function ask({ title, text, confirm, danger = false, reason = false }) {
    return new Promise((resolve) => {
      const input = reason ? el('input', { type: 'text', class: 'input', placeholder: 'Reason (optional)',
        maxlength: 500, testid: 'dialog-reason' }) : null;
      const close = (value) => {
        document.removeEventListener('keydown', onKey, true);
        backdrop.remove();
        resolve(value);
      };
      const onKey = (e) => { if (e.key === 'Escape') { e.stopPropagation(); close(null); } };
      const ok = el('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, testid: 'dialog-confirm' }, confirm);
      const form = el('form', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title, testid: 'dialog',
        onsubmit: (e) => { e.preventDefault(); close({ reason: input ? input.value.trim() : '' }); } },
      el('h2', null, title),
      text ? el('p', null, text) : null,
      input,
      el('div', { class: 'modal-actions' },
        el('button', { type: 'button', class: 'btn', testid: 'dialog-back', onclick: () => close(null) }, 'Back'),
        ok));
      const backdrop = el('div', { class: 'modal-backdrop', onclick: (e) => { if (e.target === backdrop) close(null); } }, form);
      document.addEventListener('keydown', onKey, true);
      document.body.append(backdrop);
      (input || ok).focus();
    });
  }

  // ---------------------------------------------------------------- router

  let current = null; // {key, el, start?, update?, destroy?}

  function parseRoute() {
    const raw = location.hash.replace(/^#\/?/, '').split('?')[0];
    const parts = raw.split('/').filter(Boolean).map((p) => {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
    if (parts.length === 0) return { name: 'campaigns' };
    if (parts[0] === 'campaigns') {
      if (parts.length === 1) return { name: 'campaigns' };
      if (parts.length === 2) return { name: 'campaign', id: parts[1] };
      if (parts.length === 4 && parts[2] === 'jobs') return { name: 'campaign', id: parts[1], job: parts[3] };
    }
    if (parts[0] === 'datasets') {
      if (parts.length === 1) return { name: 'datasets' };
      if (parts.length === 2) return { name: 'dataset', id: parts[1] };
    }
    return { name: 'not-found' };
  }

  function route() {
    if (!session.role) {
      showSignIn();
      return;
    }
    const r = parseRoute();
    const key = `${r.name}:${r.id ?? ''}`;
    for (const link of document.querySelectorAll('#nav a')) {
      const section = link.getAttribute('data-nav');
      const active = (section === 'campaigns' && (r.name === 'campaigns' || r.name === 'campaign')) ||
        (section === 'datasets' && (r.name === 'datasets' || r.name === 'dataset'));
      link.classList.toggle('active', active);
      if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
    if (current && current.key === key && current.update) {
      current.update(r);
      return;
    }
    if (current && current.destroy) current.destroy();
    const make = VIEWS[r.name] || VIEWS['not-found'];
    const view = make(r);
    view.key = key;
    current = view;
    fill($('#app'), view.el);
    window.scrollTo(0, 0);
    if (view.start) view.start();
  }

  // ---------------------------------------------------------------- sign-in

  function showSignIn(message) {
    if (current && current.destroy) current.destroy();
    current = null;
    document.title = 'Sign in · skein';
    const input = el('input', { type: 'password', id: 'token', name: 'token', class: 'input', testid: 'token-input',
      autocomplete: 'off', spellcheck: 'false', placeholder: 'skn_…', required: true });
    const error = el('p', { class: 'form-error', testid: 'sign-in-error', role: 'alert' });
    const button = el('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'sign-in' }, 'Sign in');
    const form = el('form', { class: 'card signin', testid: 'sign-in-form', onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      const token = input.value.trim();
      if (!token) return;
      button.disabled = true;
      try {
        setSession(await api('POST', `${API}/session`, { token }));
        input.value = '';
        route();
      } catch (err) {
        error.textContent = err.status === 401 || err.status === 403
          ? 'That token was not accepted.' : `Sign-in failed: ${err.message}`;
        button.disabled = false;
        input.select();
      }
    } },
    el('h1', null, 'Sign in to skein'),
    message ? el('p', { class: 'notice', testid: 'sign-in-notice' }, message) : null,
    el('label', { for: 'token' }, 'API token'),
    input,
    el('p', { class: 'hint' }, 'The first operator token is written to .skein/operator-token next to the store; ',
      'more come from ', el('code', null, 'skein token create'), '.'),
    error,
    button);
    fill($('#app'), el('div', { class: 'signin-wrap' }, form));
    input.focus();
  }

  // ---------------------------------------------------------------- campaigns list

  function campaignsView() {
    const live = liveIndicator();
    const list = el('div', { class: 'campaign-list', testid: 'campaign-list' }, loadingNote());
    const root = el('section', { class: 'page' },
      el('div', { class: 'page-head' }, el('h1', null, 'Campaigns'), live.el),
      list);
    const rows = new Map();
    let stream = null;
    let seq = 0;

    function card(c) {
      let stateNode = badge(c.state, { testid: 'campaign-state' });
      const progress = progressBar();
      const counts = el('div', { class: 'mini-counts' });
      const node = el('a', { class: 'card campaign-row', href: hrefCampaign(c.id), testid: 'campaign-row', 'data-campaign': c.id },
        el('div', { class: 'campaign-row-head' },
          el('span', { class: 'campaign-name', testid: 'campaign-name' }, c.id),
          stateNode,
          el('span', { class: 'spacer' }),
          el('span', { class: 'muted small' }, 'started ', timeEl(c.created_ms, true))),
        c.reason ? el('p', { class: 'reason small' }, c.reason) : null,
        progress.el,
        counts);
      const update = (p) => {
        if (p.state !== stateNode.getAttribute('data-state')) {
          const next = badge(p.state, { testid: 'campaign-state' });
          stateNode.replaceWith(next);
          stateNode = next;
        }
        node.setAttribute('data-state', p.state);
        progress.set(p.consumers, p.counts);
        fill(counts, ...JOB_STATES.filter((s) => p.counts && p.counts[s] > 0).map((s) =>
          el('span', { class: `mini st-${cssToken(s)}`, title: label(s) }, el('span', { class: 'swatch' }), `${fmtNum(p.counts[s])} ${label(s)}`)));
      };
      update(c);
      return { el: node, update };
    }

    async function load() {
      const mine = ++seq;
      try {
        const data = await api('GET', `${API}/campaigns`);
        if (mine !== seq) return;
        const campaigns = (data.campaigns || []).slice().sort((a, b) => (b.created_ms || 0) - (a.created_ms || 0));
        rows.clear();
        if (campaigns.length === 0) {
          fill(list, el('div', { class: 'card empty', testid: 'no-campaigns' },
            el('strong', null, 'No campaigns yet.'),
            el('p', null, 'Start one with ', el('code', null, 'skein run MIGRATION.yaml'), '; it shows here as it runs.')));
          return;
        }
        fill(list, ...campaigns.map((c) => {
          const row = card(c);
          rows.set(c.id, row);
          return row.el;
        }));
      } catch (e) {
        if (e.status !== 401) fill(list, errorBox(e, 'the campaigns'));
      }
    }
    const reload = throttle(load, 2000);

    return {
      el: root,
      start() {
        document.title = 'Campaigns · skein';
        load();
        stream = openStream(null, {
          progress: (p) => {
            const row = rows.get(p.campaign);
            if (row) row.update(p);
            else reload();
          },
        }, live);
      },
      destroy() {
        if (stream) stream.close();
        reload.cancel();
      },
    };
  }

  // ---------------------------------------------------------------- charts

  function niceStep(max, ticks) {
    const raw = Math.max(max, 1) / ticks;
    const power = 10 ** Math.floor(Math.log10(raw));
    const f = raw / power;
    const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
    return Math.max(1, step);
  }

  function clockLabel(ms, spanMs) {
    const d = new Date(ms);
    if (spanMs > 36 * 3600 * 1000) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    const opts = spanMs < 600 * 1000 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' };
    return d.toLocaleTimeString(undefined, opts);
  }

  // Consumers left over time, as a step line (the value holds until the next point).
  function burndownChart(points, endMs) {
    const W = 640;
    const H = 230;
    const m = { l: 52, r: 20, t: 16, b: 30 };
    if (!points || points.length === 0) {
      return el('p', { class: 'muted empty-chart', testid: 'burndown-empty' }, 'No consumer jobs yet.');
    }
    const t0 = points[0].at_ms;
    let t1 = Math.max(points[points.length - 1].at_ms, endMs || 0);
    if (t1 <= t0) t1 = t0 + 1000;
    const peak = Math.max(1, ...points.map((p) => p.remaining));
    const step = niceStep(peak, 4);
    const ymax = Math.ceil(peak / step) * step;
    const x = (t) => m.l + ((t - t0) / (t1 - t0)) * (W - m.l - m.r);
    const y = (v) => m.t + (1 - v / ymax) * (H - m.t - m.b);

    let d = `M${x(t0).toFixed(1)},${y(points[0].remaining).toFixed(1)}`;
    for (let i = 1; i < points.length; i++) {
      d += `H${x(points[i].at_ms).toFixed(1)}V${y(points[i].remaining).toFixed(1)}`;
    }
    const last = points[points.length - 1];
    d += `H${x(t1).toFixed(1)}`;
    const area = `${d}V${y(0).toFixed(1)}H${x(t0).toFixed(1)}Z`;

    const grid = [];
    for (let v = 0; v <= ymax; v += step) {
      grid.push(svg('line', { class: 'grid', x1: m.l, x2: W - m.r, y1: y(v), y2: y(v) }));
      grid.push(svg('text', { class: 'axis', x: m.l - 8, y: y(v) + 4, 'text-anchor': 'end' }, fmtNum(v)));
    }
    const span = t1 - t0;
    const xticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
      const t = t0 + f * span;
      return svg('text', { class: 'axis', x: x(t), y: H - 8, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, clockLabel(t, span));
    });
    return svg('svg', { class: 'chart burndown', viewBox: `0 0 ${W} ${H}`, role: 'img', testid: 'burndown',
      'data-remaining': last.remaining, 'aria-label': `Consumers left over time; now ${last.remaining}` },
    svg('title', null, `Consumers left: ${fmtNum(last.remaining)}`),
    grid,
    svg('line', { class: 'baseline', x1: m.l, x2: W - m.r, y1: y(0), y2: y(0) }),
    svg('path', { class: 'area', d: area }),
    svg('path', { class: 'line', d }),
    xticks,
    svg('circle', { class: 'dot', cx: x(t1), cy: y(last.remaining), r: 4 }),
    svg('text', { class: 'value', x: x(t1) - 8, y: Math.max(y(last.remaining) - 9, m.t + 10), 'text-anchor': 'end' }, `${fmtNum(last.remaining)} left`));
  }

  function countsLine(counts, keys) {
    return keys.filter((k) => counts && counts[k] > 0).map((k) => `${fmtNum(counts[k])} ${label(k)}`).join(' · ');
  }

  function wavesTimeline(waves, createdMs, endMs) {
    if (!waves || waves.length === 0) return el('p', { class: 'muted' }, 'No waves yet.');
    const opened = waves.map((w) => w.opened_ms).filter(Boolean);
    const t0 = Math.min(createdMs || Infinity, ...opened);
    const ends = waves.map((w) => w.ended_ms).filter(Boolean);
    let t1 = Math.max(endMs || 0, ...ends, ...opened);
    if (!Number.isFinite(t0) || t1 <= t0) t1 = (Number.isFinite(t0) ? t0 : 0) + 1000;
    const pos = (t) => ((t - t0) / (t1 - t0)) * 100;
    const rows = waves.map((w) => {
      const c = w.counts || {};
      const total = c.total || 0;
      const done = c.done || 0;
      const name = w.wave === 0 ? 'Data' : `Wave ${w.wave}`;
      const track = el('div', { class: 'wave-track' });
      let status = 'not-opened';
      if (w.opened_ms) {
        status = w.ended_ms ? 'ended' : 'open';
        const start = pos(w.opened_ms);
        const stop = pos(w.ended_ms || endMs || t1);
        const bar = el('div', { class: `wave-bar wave-${status}`, title: `${name}: opened ${fmtTime(w.opened_ms)}${w.ended_ms ? `, ended ${fmtTime(w.ended_ms)} (${fmtDuration(w.ended_ms - w.opened_ms)})` : ', open'}` },
          el('div', { class: 'wave-fill' }));
        bar.style.left = `${start}%`;
        bar.style.width = `${Math.max(0.8, stop - start)}%`;
        bar.firstChild.style.width = `${total ? (done / total) * 100 : 0}%`;
        track.append(bar);
      } else {
        track.append(el('span', { class: 'wave-pending muted small' }, 'not opened'));
      }
      const bad = (c.failed || 0) + (c.dead || 0);
      return el('div', { class: 'wave-row', testid: 'wave', 'data-wave': w.wave, 'data-status': status },
        el('span', { class: 'wave-name' }, name),
        track,
        el('span', { class: 'wave-counts small' },
          `${fmtNum(done)}/${fmtNum(total)} done`,
          bad ? el('span', { class: 'text-bad' }, ` · ${fmtNum(bad)} failed`) : null,
          c['awaiting-approval'] ? el('span', { class: 'text-warn' }, ` · ${fmtNum(c['awaiting-approval'])} to approve`) : null));
    });
    return el('div', { class: 'waves', testid: 'waves' }, rows,
      el('div', { class: 'wave-axis small muted' }, el('span'),
        el('span', { class: 'wave-axis-span' }, el('span', null, clockLabel(t0, t1 - t0)), el('span', null, clockLabel(t1, t1 - t0))),
        el('span')));
  }

  function failureRateView(fr) {
    if (!fr) return el('p', { class: 'muted' }, 'No figures yet.');
    const rate = Number(fr.rate) || 0;
    const threshold = Number(fr.threshold);
    const level = Number.isFinite(threshold) && rate >= threshold ? 'over'
      : Number.isFinite(threshold) && rate >= threshold * 0.6 ? 'near' : 'ok';
    const bar = el('div', { class: `gauge-fill gauge-${level}` });
    bar.style.width = `${Math.min(100, rate * 100)}%`;
    const gauge = el('div', { class: 'gauge' }, bar);
    if (Number.isFinite(threshold) && threshold <= 1) {
      const mark = el('div', { class: 'gauge-mark', title: `breaker threshold ${fmtPct(threshold)}` });
      mark.style.left = `${threshold * 100}%`;
      gauge.append(mark);
    }
    return el('div', { class: 'failure-rate', testid: 'failure-rate', 'data-rate': rate, 'data-threshold': threshold, 'data-level': level },
      el('div', { class: 'big-figure' },
        el('span', { class: `figure figure-${level}` }, fmtPct(rate, rate > 0 && rate < 0.1 ? 1 : 0)),
        el('span', { class: 'muted' }, ` breaker at ${fmtPct(threshold)}`)),
      gauge,
      el('p', { class: 'small muted' },
        fr.sample ? `${fr.failures !== undefined ? `${fmtNum(fr.failures)} failed of ` : 'Over '}the last ${fmtNum(fr.sample)} finished consumer job${fr.sample === 1 ? '' : 's'} (window ${fmtNum(fr.window)}).`
          : `No consumer job has finished yet (window ${fmtNum(fr.window)}).`,
        fr.min_sample && fr.sample < fr.min_sample ? ` The breaker judges from ${fmtNum(fr.min_sample)} on.` : ''));
  }

  // ---------------------------------------------------------------- diffs and job details

  // A unified diff, line by line, classed by what each line is. Hunk headers give the line counts,
  // so a removed SQL comment ("--- x") is not mistaken for a file header.
  function diffView(text, limit = 3000) {
    const lines = String(text).split('\n');
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    let added = 0;
    let removed = 0;
    const rows = [];
    let oldLeft = 0;
    let newLeft = 0;
    let oldNo = 0;
    let newNo = 0;
    for (const line of lines) {
      let cls;
      let a = '';
      let b = '';
      if (oldLeft > 0 || newLeft > 0) {
        if (line.startsWith('+')) { cls = 'add'; newLeft--; b = newNo++; added++; }
        else if (line.startsWith('-')) { cls = 'del'; oldLeft--; a = oldNo++; removed++; }
        else if (line.startsWith('\\')) { cls = 'meta'; }
        else { cls = 'ctx'; oldLeft--; newLeft--; a = oldNo++; b = newNo++; }
      } else {
        const hunk = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
        if (hunk) {
          cls = 'hunk';
          oldNo = Number(hunk[1]);
          oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
          newNo = Number(hunk[3]);
          newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
        } else if (line.startsWith('diff ') || line.startsWith('--- ') || line.startsWith('+++ ')) {
          cls = 'file';
        } else {
          cls = 'meta';
        }
      }
      rows.push([cls, a, b, line]);
    }
    const pre = el('pre', { class: 'diff', testid: 'diff', 'data-added': added, 'data-removed': removed });
    const renderRows = (count) => {
      const frag = document.createDocumentFragment();
      for (const [cls, a, b, line] of rows.slice(0, count)) {
        frag.append(el('span', { class: `dl d-${cls}`, 'data-kind': cls },
          el('span', { class: 'ln', 'aria-hidden': 'true' }, String(a)),
          el('span', { class: 'ln', 'aria-hidden': 'true' }, String(b)),
          el('span', { class: 'dt' }, line === '' ? ' ' : line)));
      }
      fill(pre, frag);
    };
    renderRows(limit);
    const more = rows.length > limit
      ? el('button', { type: 'button', class: 'btn btn-small', onclick: (e) => { renderRows(rows.length); e.target.remove(); } },
        `Show all ${fmtNum(rows.length)} lines`)
      : null;
    return el('div', { class: 'diff-wrap' },
      el('div', { class: 'diff-stats small' },
        el('span', { class: 'text-good' }, `+${fmtNum(added)}`), ' ',
        el('span', { class: 'text-bad' }, `−${fmtNum(removed)}`)),
      pre, more);
  }

  function jsonBlock(title, value) {
    if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0)) return null;
    return el('details', { class: 'json' }, el('summary', null, title),
      el('pre', { class: 'code' }, typeof value === 'string' ? value : JSON.stringify(value, null, 2)));
  }

  function verifierTable(verifiers) {
    if (!verifiers || verifiers.length === 0) return el('p', { class: 'muted' }, 'No verifier ran.');
    return el('table', { class: 'table verifiers' },
      el('thead', null, el('tr', null, el('th', null, 'Verifier'), el('th', null, 'Result'), el('th', null, 'Message'))),
      el('tbody', null, verifiers.map((v) => el('tr', { testid: 'verifier', 'data-verifier': v.verifier, 'data-passed': String(Boolean(v.passed)) },
        el('td', { class: 'mono' }, v.verifier),
        el('td', null, badge(v.passed ? 'passed' : 'failed')),
        el('td', { class: 'wrap' }, v.message || '',
          v.evidence && typeof v.evidence === 'object' && Object.keys(v.evidence).length
            ? el('details', { class: 'evidence' }, el('summary', null, 'evidence'), el('pre', { class: 'code' }, JSON.stringify(v.evidence, null, 2)))
            : null)))));
  }

  function listOfText(items) {
    if (items === null || items === undefined) return null;
    if (!Array.isArray(items)) items = [typeof items === 'string' ? items : JSON.stringify(items)];
    if (items.length === 0) return null;
    return el('ul', { class: 'problems' }, items.map((p) => el('li', null, typeof p === 'string' ? p : JSON.stringify(p))));
  }

  // What produced the attempt's change (skein, manifest, base commit, agent), from its last try
  // that recorded it; the full hashes are in the tooltip.
  function provenanceLine(tries) {
    const p = (Array.isArray(tries) ? tries : []).map((t) => t && t.provenance)
      .filter((x) => x && typeof x === 'object').pop();
    if (!p) return null;
    const short = (hash) => String(hash || '').slice(0, 12);
    const parts = [`skein ${p.skein_version || '?'}`];
    if (p.manifest_sha256) parts.push(`manifest ${short(p.manifest_sha256)}`);
    if (p.base_commit) parts.push(`base ${short(p.base_commit)}`);
    const a = p.agent;
    if (a && typeof a === 'object') {
      let agent = `${a.kind || '?'} agent`;
      if (a.version) agent += ` ${a.version}`;
      if (a.executable) agent += ` ${a.executable}`;
      if (a.executable_sha256) agent += ` (sha256 ${short(a.executable_sha256)})`;
      parts.push(agent);
    }
    return el('p', { class: 'provenance small muted', testid: 'provenance', title: JSON.stringify(p, null, 2) },
      'Provenance: ', parts.join(' · '));
  }

  function attemptView(attempt, index) {
    const duration = attempt.ended_ms && attempt.started_ms ? fmtDuration(attempt.ended_ms - attempt.started_ms) : 'running';
    const request = attempt.request && attempt.request.url
      ? el('p', { class: 'request' }, 'Change request: ', requestRef(attempt.request.url), attempt.request.state ? ` (${attempt.request.state})` : '')
      : null;
    const tries = attempt.tries && attempt.tries.length > 1 ? el('section', { class: 'section' },
      el('h3', null, 'Agent tries'),
      el('ol', { class: 'tries' }, attempt.tries.map((t) => el('li', { testid: 'try' },
        el('div', null, badge(t.passed ? 'passed' : 'failed'), ' ', `try ${t.attempt}`, t.agent ? ` · ${t.agent}` : ''),
        listOfText(t.problems),
        t.verifiers && t.verifiers.some((v) => !v.passed)
          ? listOfText(t.verifiers.filter((v) => !v.passed).map((v) => `${v.verifier}: ${v.message || 'failed'}`)) : null))))
      : null;
    const log = attempt.log && attempt.log.length
      ? el('pre', { class: 'log', testid: 'log' }, attempt.log.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'))
      : el('p', { class: 'muted', testid: 'log-empty' }, 'No log.');
    return el('div', { class: 'attempt', testid: 'attempt', 'data-attempt': index + 1 },
      el('div', { class: 'attempt-head' },
        badge(attempt.outcome || 'running'),
        el('span', { class: 'muted small' }, `${attempt.worker || 'worker ?'} · started ${fmtTime(attempt.started_ms)} · ${duration}`)),
      attempt.error ? el('pre', { class: 'error-text', testid: 'attempt-error' }, attempt.error) : null,
      request,
      provenanceLine(attempt.tries),
      el('section', { class: 'section' }, el('h3', null, 'Verifiers'), verifierTable(attempt.verifiers)),
      tries,
      el('section', { class: 'section' }, el('h3', null, 'Diff'),
        attempt.diff ? diffView(attempt.diff) : el('p', { class: 'muted', testid: 'diff-empty' }, 'No diff.')),
      el('section', { class: 'section' }, el('h3', null, 'Log'), log));
  }

  // The side panel of one job: its facts, actions, attempts (diff, verifiers, log).
  function jobPanel(campaignId, jobId, ctx) {
    const title = el('h2', { class: 'panel-title', testid: 'job-title' }, `Job ${jobId}`);
    const body = el('div', { class: 'panel-body' }, loadingNote());
    const close = el('a', { class: 'btn btn-quiet panel-close', href: hrefCampaign(campaignId), 'aria-label': 'Close', testid: 'panel-close' }, '✕');
    const root = el('aside', { class: 'panel', testid: 'job-panel', 'data-job-id': jobId, 'aria-label': 'Job details' },
      el('div', { class: 'panel-head' }, title, close), body);
    let job = null;
    let attempts = [];
    let entity = null; // the consumer's catalog entity (for its title), when found
    let shown = -1; // index of the attempt on screen; -1 = the latest
    let seq = 0;
    let busy = false;

    async function act(what, path, doneText) {
      if (busy) return;
      busy = true;
      for (const b of body.querySelectorAll('.job-actions button')) b.disabled = true;
      try {
        await api('POST', path, {});
        toast(doneText, 'success');
      } catch (e) {
        toast(`${what} failed: ${e.message}`, 'error');
      } finally {
        busy = false;
        await load();
        ctx.refresh();
      }
    }

    function actions() {
      const buttons = [];
      if (!isOperator()) {
        return (approvable(job) || job.state === 'failed' || job.state === 'dead')
          ? el('p', { class: 'muted small', testid: 'job-viewer-note' }, 'Viewers cannot approve or retry.') : null;
      }
      let note = null;
      if (approvable(job)) {
        buttons.push(el('button', { type: 'button', class: 'btn btn-primary', testid: 'approve',
          onclick: () => act('Approval', `${API}/jobs/${enc(job.id)}/approve`, `Approved ${job.name || `job ${job.id}`}.`) }, 'Approve'));
        if (job.state !== 'awaiting-approval') {
          note = el('span', { class: 'small muted' }, 'Approving ahead: it runs when its wave opens.');
        }
      }
      if (job.state === 'failed' || job.state === 'dead') {
        buttons.push(el('button', { type: 'button', class: 'btn', testid: 'retry',
          onclick: () => act('Retry', `${API}/jobs/${enc(job.id)}/retry`, `${job.name || `Job ${job.id}`} queued again.`) }, 'Retry'));
      }
      return buttons.length ? el('div', { class: 'job-actions' }, buttons, note) : null;
    }

    function fact(name, value) {
      if (value === undefined || value === null || value === '') return null;
      return [el('dt', null, name), el('dd', null, value)];
    }

    function render() {
      const keepScroll = body.scrollTop;
      title.textContent = job.name || job.target || `Job ${job.id}`;
      title.title = job.target || '';
      const catalogTitle = job.title || (entity && entity.title) || '';

      const latest = attempts.length - 1;
      const index = shown >= 0 && shown <= latest ? shown : latest;
      const tabs = attempts.length > 1 ? el('div', { class: 'tabs', role: 'tablist' }, attempts.map((a, i) =>
        el('button', { type: 'button', role: 'tab', class: `tab${i === index ? ' active' : ''}`, 'aria-selected': String(i === index),
          onclick: () => { shown = i; render(); } }, `Attempt ${i + 1}`, ' ', el('span', { class: `dot-state st-${cssToken(a.outcome)}` })))) : null;
      fill(body,
        catalogTitle ? el('p', { class: 'job-subtitle', testid: 'job-catalog-title', title: 'Title in the catalog' }, catalogTitle) : null,
        el('div', { class: 'job-head' },
          badge(job.state, { testid: 'job-state' }),
          el('span', { class: 'muted small' }, `#${job.id} · ${job.kind}${job.wave !== undefined ? ` · ${job.wave === 0 ? 'data stage' : `wave ${job.wave}`}` : ''}`)),
        job.outcome ? el('p', { class: 'outcome', testid: 'job-outcome' }, job.outcome) : null,
        actions(),
        job.request_url ? el('p', { class: 'request' }, 'Change request: ', requestRef(job.request_url, 'request-link')) : null,
        el('dl', { class: 'facts' },
          fact('Target', job.target),
          fact('Title', catalogTitle),
          fact('Owner', job.owner),
          fact('Tier', job.tier),
          fact('Repository', job.repo),
          fact('Attempts', `${job.attempts} of ${job.max_attempts}`),
          fact('Approval', job.needs_approval ? (job.approved_by ? `approved by ${job.approved_by}` : 'required') : null),
          fact('Worker', job.lease_worker ? `${job.lease_worker} (lease until ${fmtTime(job.lease_expires_ms)})` : null),
          fact('Next try', job.run_after_ms && job.run_after_ms > Date.now() && !ENDED_JOB_STATES.has(job.state) ? fmtTime(job.run_after_ms) : null),
          fact('Updated', timeEl(job.updated_ms)),
          fact('Finished', job.finished_ms ? timeEl(job.finished_ms) : null)),
        el('h3', { class: 'attempts-title' }, attempts.length ? `Attempts (${attempts.length})` : 'Attempts'),
        attempts.length === 0 ? el('p', { class: 'muted', testid: 'no-attempts' }, 'No attempt yet.') : null,
        tabs,
        attempts.length ? attemptView(attempts[index], index) : null,
        jsonBlock('Payload', job.payload),
        jsonBlock('Result', job.result));
      body.scrollTop = keepScroll;
    }

    async function load() {
      const mine = ++seq;
      try {
        const [j, a] = await Promise.all([
          api('GET', `${API}/jobs/${enc(jobId)}`),
          api('GET', `${API}/jobs/${enc(jobId)}/attempts`),
        ]);
        if (mine !== seq) return;
        job = j;
        attempts = (a && a.attempts) || [];
        root.setAttribute('data-state', job.state);
        render();
        if (job.kind === 'consumer' && !job.title && entity === null) loadEntity(mine);
      } catch (e) {
        if (mine !== seq || e.status === 401) return;
        fill(body, errorBox(e, `job ${jobId}`));
      }
    }

    // The consumer's catalog entity, for its title (JobSummary carries only the ref).
    async function loadEntity(mine) {
      entity = false;
      try {
        const data = await api('GET', `${API}/catalog/entities?q=${enc(job.target)}`);
        const found = (data.entities || []).find((e) => e.ref === job.target);
        if (found) {
          entity = found;
          if (mine === seq && found.title) render();
        }
      } catch (e) { /* the title is a nicety; the panel stands without it */ }
    }

    // Called on live progress: reloads when the job moved (cheap check first).
    async function poke() {
      if (!job || busy) return;
      try {
        const j = await api('GET', `${API}/jobs/${enc(jobId)}`);
        if (j.state !== job.state || j.attempts !== job.attempts || j.updated_ms !== job.updated_ms) load();
      } catch (e) { /* the next poke tries again */ }
    }

    return { el: root, jobId: String(jobId), load, poke };
  }

  // ---------------------------------------------------------------- campaign page

  function campaignView(r) {
    const id = r.id;
    const live = liveIndicator();
    let summary = null;
    let stream = null;
    let panel = null;
    let lastProgressKey = '';
    let newestProgress = null;  // the newest progress the event stream sent
    let summaryRetry = null;
    const filters = { q: '', state: '', kind: '', owner: '', tier: '', wave: '' };
    let offset = 0;
    let total = 0;
    let jobsSeq = 0;
    let summarySeq = 0;
    let shownJobs = new Map(); // id → state of the rows on screen
    const seenOwners = new Set();
    const seenTiers = new Set();

    // Header
    const titleState = el('span', { class: 'title-state' });
    const reason = el('p', { class: 'reason', testid: 'campaign-reason' });
    const meta = el('div', { class: 'meta small muted' });
    const actionsBox = el('div', { class: 'campaign-actions', testid: 'campaign-actions' });
    const head = el('div', { class: 'card campaign-head' },
      el('div', { class: 'crumbs small' }, el('a', { href: '#/' }, 'Campaigns'), ' / '),
      el('div', { class: 'title-row' },
        el('h1', { testid: 'campaign-title' }, id), titleState, el('span', { class: 'spacer' }), live.el),
      reason, meta, actionsBox);

    // Summary cards
    const progress = progressBar();
    const countsBox = el('div', { class: 'counts', testid: 'counts' });
    const failureBox = el('div', null, loadingNote());
    const burndownBox = el('div', { class: 'chart-box' }, loadingNote());
    const wavesBox = el('div', null, loadingNote());
    const eventsList = el('ol', { class: 'events', testid: 'events' });
    const seenEvents = new Set();

    // Jobs table
    const search = el('input', { type: 'search', class: 'input grow', placeholder: 'Search consumer, owner or repository',
      'aria-label': 'Search jobs', testid: 'job-search' });
    const stateSelect = el('select', { class: 'input', 'aria-label': 'State', testid: 'filter-state' },
      el('option', { value: '' }, 'All states'),
      el('option', { value: 'failed,dead' }, 'failed or dead'),
      el('option', { value: 'waiting,pending,running' }, 'waiting, pending or running'),
      JOB_STATES.map((s) => el('option', { value: s }, label(s))));
    const kindSelect = el('select', { class: 'input', 'aria-label': 'Kind', testid: 'filter-kind' },
      el('option', { value: '' }, 'All kinds'),
      ['consumer', 'partition', 'publish'].map((k) => el('option', { value: k }, k)));
    const ownerList = el('datalist', { id: `owners-${cssToken(id)}` });
    const tierList = el('datalist', { id: `tiers-${cssToken(id)}` });
    const ownerInput = el('input', { type: 'text', class: 'input', placeholder: 'Owner', list: ownerList.id,
      'aria-label': 'Owner', testid: 'filter-owner' });
    const tierInput = el('input', { type: 'text', class: 'input narrow', placeholder: 'Tier', list: tierList.id,
      'aria-label': 'Tier', testid: 'filter-tier' });
    const waveSelect = el('select', { class: 'input', 'aria-label': 'Wave', testid: 'filter-wave' },
      el('option', { value: '' }, 'All waves'));
    const clearButton = el('button', { type: 'button', class: 'btn btn-quiet', testid: 'filter-clear' }, 'Clear');
    const tbody = el('tbody', { testid: 'job-rows' });
    const table = el('table', { class: 'table jobs', testid: 'jobs-table' },
      el('thead', null, el('tr', null,
        [['#', 'c-id'], ['Consumer', 'c-name'], ['Owner', 'c-owner'], ['Tier', 'c-tier'], ['Wave', 'c-wave'], ['State', 'c-state'],
          ['Tries', 'c-tries'], ['Updated', 'c-updated']].map(([h, c]) => el('th', { scope: 'col', class: c }, h)))),
      tbody);
    const rangeText = el('span', { class: 'small muted', testid: 'jobs-range' });
    const prevButton = el('button', { type: 'button', class: 'btn btn-small', testid: 'page-prev' }, '‹ Previous');
    const nextButton = el('button', { type: 'button', class: 'btn btn-small', testid: 'page-next' }, 'Next ›');
    const firstButton = el('button', { type: 'button', class: 'btn btn-small', testid: 'page-first', 'aria-label': 'First page' }, '«');
    const lastButton = el('button', { type: 'button', class: 'btn btn-small', testid: 'page-last', 'aria-label': 'Last page' }, '»');
    const jobsCard = el('section', { class: 'card jobs-card' },
      el('div', { class: 'card-head' }, el('h2', null, 'Jobs'), el('span', { class: 'count-pill', testid: 'jobs-total' }, '…')),
      el('div', { class: 'filters' }, search, stateSelect, kindSelect, ownerInput, tierInput, waveSelect, clearButton, ownerList, tierList),
      el('div', { class: 'table-scroll' }, table),
      el('div', { class: 'pager' }, rangeText, el('span', { class: 'spacer' }), firstButton, prevButton, nextButton, lastButton));

    const root = el('section', { class: 'page campaign-page', testid: 'campaign-page', 'data-campaign': id },
      head,
      el('div', { class: 'grid grid-top' },
        el('section', { class: 'card' }, el('h2', null, 'Progress'), progress.el, countsBox),
        el('section', { class: 'card' }, el('h2', null, 'Failure rate'), failureBox)),
      el('div', { class: 'grid grid-charts' },
        el('section', { class: 'card' }, el('h2', null, 'Burndown'), burndownBox),
        el('section', { class: 'card' }, el('h2', null, 'Waves'), wavesBox)),
      jobsCard,
      el('section', { class: 'card' }, el('h2', null, 'Recent events'), eventsList));

    // ---- rendering pieces

    function renderHeader() {
      fill(titleState, badge(summary.state, { testid: 'campaign-state' }));
      reason.textContent = summary.reason || '';
      reason.hidden = !summary.reason;
      const manifest = summary.manifest || '';
      const manifestIsText = manifest.includes('\n');
      fill(meta,
        manifest && !manifestIsText ? el('span', null, 'manifest ', el('code', null, manifest)) : null,
        el('span', null, 'started ', timeEl(summary.created_ms)),
        el('span', null, 'updated ', timeEl(summary.updated_ms, true)),
        summary.manifest_sha256 ? el('span', { title: summary.manifest_sha256 }, `sha256 ${summary.manifest_sha256.slice(0, 12)}`) : null,
        manifestIsText ? jsonBlock('Manifest', manifest) : null);
      renderActions();
    }

    function renderActions() {
      if (!isOperator()) {
        fill(actionsBox, el('span', { class: 'small muted', testid: 'viewer-note' }, 'Read-only: you are signed in as a viewer.'));
        return;
      }
      const s = summary.state;
      const buttons = [];
      const waitingApproval = (summary.counts && summary.counts['awaiting-approval']) || 0;
      const gated = Boolean(summary.policy && summary.policy.approval && (summary.policy.approval.tiers || []).length);
      if (MIGRATING_STATES.has(s)) {
        buttons.push(el('button', { type: 'button', class: 'btn', testid: 'pause', onclick: () => campaignAction('pause', {
          title: `Pause ${id}?`, text: 'Running jobs finish; no new job starts until it is resumed.', confirm: 'Pause', reason: true }) }, 'Pause'));
      }
      if (s === 'paused') {
        buttons.push(el('button', { type: 'button', class: 'btn btn-primary', testid: 'resume', onclick: () => campaignAction('resume') }, 'Resume'));
      }
      if (waitingApproval > 0 || (gated && !ENDED_CAMPAIGN_STATES.has(s) && s !== 'rolling-back')) {
        buttons.push(el('button', { type: 'button', class: 'btn', testid: 'approve-all', onclick: () => campaignAction('approve', {
          title: 'Approve every job that needs it?',
          text: 'The jobs at an approval gate now go on, and those whose wave has not opened yet are approved ahead.',
          confirm: 'Approve all' }, { all: true }) },
        waitingApproval > 0 ? `Approve all (${fmtNum(waitingApproval)} waiting)` : 'Approve all'));
      }
      if (!ENDED_CAMPAIGN_STATES.has(s) && s !== 'rolling-back') {
        buttons.push(el('button', { type: 'button', class: 'btn btn-danger-quiet', testid: 'cancel', onclick: () => campaignAction('cancel', {
          title: `Cancel ${id}?`, text: 'Jobs not yet finished are cancelled. Changes already opened stay open.', confirm: 'Cancel campaign', danger: true, reason: true }) }, 'Cancel'));
      }
      if (s !== 'rolling-back' && s !== 'rolled-back' && s !== 'planned') {
        buttons.push(el('button', { type: 'button', class: 'btn btn-danger-quiet', testid: 'rollback', onclick: () => campaignAction('rollback', {
          title: `Roll back ${id}?`, text: 'Closes the change requests, deletes the branches and drops what the campaign published.', confirm: 'Roll back', danger: true }) }, 'Roll back'));
      }
      fill(actionsBox, ...buttons);
    }

    async function campaignAction(action, dialog, body) {
      let payload = body || {};
      if (dialog) {
        const answer = await ask(dialog);
        if (!answer) return;
        if (dialog.reason && answer.reason) payload = { ...payload, reason: answer.reason };
      }
      for (const b of actionsBox.querySelectorAll('button')) b.disabled = true;
      try {
        const reply = await api('POST', `${API}/campaigns/${enc(id)}/${action}`, payload);
        const done = { pause: 'Paused.', resume: 'Resumed.', cancel: 'Cancelled.', rollback: 'Rollback started.',
          approve: `Approved ${fmtNum(reply && reply.approved)} job(s).` }[action];
        toast(done, 'success');
      } catch (e) {
        toast(`${action[0].toUpperCase()}${action.slice(1)} failed: ${e.message}`, 'error');
      }
      await loadSummary();
      loadJobs();
    }

    function renderCounts() {
      const counts = summary.counts || {};
      fill(countsBox, ...JOB_STATES.map((s) => el('button', {
        type: 'button', class: `count st-${cssToken(s)}${counts[s] ? '' : ' zero'}${filters.state === s ? ' selected' : ''}`,
        testid: `counts-${s}`, 'data-count': counts[s] || 0, title: `Show ${label(s)} jobs`,
        onclick: () => { setFilter('state', filters.state === s ? '' : s); },
      }, el('span', { class: 'count-n' }, fmtNum(counts[s] || 0)), el('span', { class: 'count-label' }, label(s)))));
      progress.set(summary.consumers, summary.counts);
    }

    function renderCharts() {
      const active = !ENDED_CAMPAIGN_STATES.has(summary.state);
      const end = active ? Date.now() : summary.updated_ms;
      fill(burndownBox, burndownChart(summary.burndown || [], end));
      fill(wavesBox, wavesTimeline(summary.waves || [], summary.created_ms, end));
      fill(failureBox, failureRateView(summary.failure_rate));
    }

    function addEvents(events) {
      for (const ev of events) {
        if (seenEvents.has(ev.id)) continue;
        seenEvents.add(ev.id);
        eventsList.prepend(el('li', { class: 'event', testid: 'event', 'data-kind': ev.kind },
          el('span', { class: 'event-time small muted' }, timeEl(ev.at_ms)),
          el('span', { class: `event-kind ek-${cssToken(ev.kind)}` }, ev.kind),
          el('span', { class: 'event-message' }, ev.message || '')));
      }
      while (eventsList.children.length > 100) eventsList.lastChild.remove();
      if (!eventsList.children.length) fill(eventsList, el('li', { class: 'muted' }, 'No events yet.'));
      else { const none = eventsList.querySelector('li.muted'); if (none) none.remove(); }
    }

    function renderWaveOptions() {
      const chosen = waveSelect.value;
      fill(waveSelect, el('option', { value: '' }, 'All waves'),
        (summary.waves || []).map((w) => el('option', { value: String(w.wave) }, w.wave === 0 ? 'data stage' : `wave ${w.wave}`)));
      waveSelect.value = chosen;
    }

    async function loadSummary() {
      const mine = ++summarySeq;
      try {
        const s = await api('GET', `${API}/campaigns/${enc(id)}`);
        if (mine !== summarySeq) return;
        // The server may answer with a page computed a moment ago while it computes it again;
        // what the event stream said since is newer: keep it, and ask again shortly.
        if (newestProgress && newestProgress.as_of_ms > (s.as_of_ms || 0)) {
          for (const k of ['state', 'reason', 'counts', 'consumers', 'as_of_ms']) s[k] = newestProgress[k];
          if (!summaryRetry) summaryRetry = setTimeout(() => { summaryRetry = null; loadSummary(); }, 1000);
        }
        summary = s;
        document.title = `${id} · skein`;
        lastProgressKey = JSON.stringify([s.state, s.counts, s.consumers]);
        renderHeader();
        renderCounts();
        renderCharts();
        renderWaveOptions();
        addEvents(s.events || []);
      } catch (e) {
        if (mine !== summarySeq || e.status === 401) return;
        if (!summary) {
          fill(root, e.status === 404
            ? el('div', { class: 'card empty', testid: 'not-found' }, el('strong', null, `No campaign named ${id}.`), el('p', null, el('a', { href: '#/' }, 'All campaigns')))
            : errorBox(e, `campaign ${id}`));
        } else {
          toast(`Refresh failed: ${e.message}`, 'error');
        }
      }
    }

    // ---- the jobs table

    function queryString() {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(filters)) if (v !== '') params.set(k, v);
      params.set('limit', String(PAGE_SIZE));
      params.set('offset', String(offset));
      return params.toString();
    }

    function jobRow(j) {
      const href = hrefJob(id, j.id);
      const selected = panel && panel.jobId === String(j.id);
      if (j.owner) seenOwners.add(j.owner);
      if (j.tier) seenTiers.add(j.tier);
      return el('tr', { class: `job-row${selected ? ' selected' : ''}`, testid: 'job-row', 'data-job-id': j.id, 'data-name': j.name, 'data-state': j.state,
        onclick: (e) => { if (!e.target.closest('a')) location.hash = href; } },
      el('td', { class: 'num muted c-id' }, String(j.id)),
      el('td', { class: 'name-cell c-name' },
        el('a', { href, class: 'job-link', testid: 'job-name' }, j.title || j.name || j.target),
        j.title ? el('div', { class: 'sub muted' }, j.name) : null,
        j.kind !== 'consumer' ? el('span', { class: 'kind' }, j.kind) : null,
        j.repo ? el('div', { class: 'sub muted' }, j.repo) : null),
      el('td', { class: 'c-owner', testid: 'job-owner' }, j.owner || ''),
      el('td', { class: 'c-tier' }, j.tier || ''),
      el('td', { class: 'num c-wave' }, j.wave === 0 ? 'data' : String(j.wave)),
      el('td', { class: 'nowrap c-state' }, badge(j.state),
        j.needs_approval && j.approved_by ? el('span', { class: 'approved', title: `approved by ${j.approved_by}` }, '✓') : null,
        approvable(j) && j.state !== 'awaiting-approval'
          ? el('span', { class: 'needs-approval', testid: 'needs-approval', title: 'Needs an approval before it runs' }, 'approval') : null),
      el('td', { class: 'num c-tries' }, `${j.attempts}/${j.max_attempts}`),
      el('td', { class: 'muted small nowrap c-updated' }, timeEl(j.updated_ms, true)));
    }

    async function loadJobs() {
      const mine = ++jobsSeq;
      jobsCard.classList.add('is-loading');
      try {
        const data = await api('GET', `${API}/campaigns/${enc(id)}/jobs?${queryString()}`);
        if (mine !== jobsSeq) return;
        total = data.total || 0;
        if (offset >= total && total > 0 && offset > 0) {
          offset = Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE;
          loadJobs();
          return;
        }
        const jobs = data.jobs || [];
        const moved = panel && shownJobs.has(panel.jobId) &&
          jobs.some((j) => String(j.id) === panel.jobId && shownJobs.get(panel.jobId) !== j.state);
        shownJobs = new Map(jobs.map((j) => [String(j.id), j.state]));
        fill(tbody, ...(jobs.length ? jobs.map(jobRow)
          : [el('tr', null, el('td', { colspan: 8, class: 'empty-row muted', testid: 'no-jobs' },
            Object.values(filters).some((v) => v !== '') ? 'No job matches these filters.' : 'No jobs yet.'))]));
        const from = total ? offset + 1 : 0;
        const to = Math.min(offset + jobs.length, total);
        rangeText.textContent = `${fmtNum(from)}–${fmtNum(to)} of ${fmtNum(total)}`;
        $('[data-testid="jobs-total"]', jobsCard).textContent = fmtNum(total);
        jobsCard.setAttribute('data-total', total);
        prevButton.disabled = firstButton.disabled = offset === 0;
        nextButton.disabled = lastButton.disabled = offset + PAGE_SIZE >= total;
        fill(ownerList, ...[...seenOwners].sort().slice(0, 200).map((o) => el('option', { value: o })));
        fill(tierList, ...[...seenTiers].sort().map((t) => el('option', { value: t })));
        if (moved) panel.load();
      } catch (e) {
        if (mine !== jobsSeq || e.status === 401) return;
        fill(tbody, el('tr', null, el('td', { colspan: 8, class: 'empty-row text-bad' }, `Could not load jobs: ${e.message}`)));
      } finally {
        if (mine === jobsSeq) jobsCard.classList.remove('is-loading');
      }
    }

    function setFilter(key, value) {
      filters[key] = value;
      offset = 0;
      if (key === 'state') {
        stateSelect.value = [...stateSelect.options].some((o) => o.value === value) ? value : '';
        if (summary) renderCounts();
      }
      loadJobs();
    }

    const searchLater = debounce(() => setFilter('q', search.value.trim()), 250);
    const ownerLater = debounce(() => setFilter('owner', ownerInput.value.trim()), 350);
    const tierLater = debounce(() => setFilter('tier', tierInput.value.trim()), 350);
    search.addEventListener('input', searchLater);
    ownerInput.addEventListener('input', ownerLater);
    tierInput.addEventListener('input', tierLater);
    stateSelect.addEventListener('change', () => setFilter('state', stateSelect.value));
    kindSelect.addEventListener('change', () => setFilter('kind', kindSelect.value));
    waveSelect.addEventListener('change', () => setFilter('wave', waveSelect.value));
    clearButton.addEventListener('click', () => {
      search.value = ''; ownerInput.value = ''; tierInput.value = '';
      stateSelect.value = ''; kindSelect.value = ''; waveSelect.value = '';
      for (const k of Object.keys(filters)) filters[k] = '';
      offset = 0;
      if (summary) renderCounts();
      loadJobs();
    });
    const page = (to) => { offset = Math.max(0, to); loadJobs(); };
    prevButton.addEventListener('click', () => page(offset - PAGE_SIZE));
    nextButton.addEventListener('click', () => page(offset + PAGE_SIZE));
    firstButton.addEventListener('click', () => page(0));
    lastButton.addEventListener('click', () => page(Math.floor(Math.max(0, total - 1) / PAGE_SIZE) * PAGE_SIZE));

    // ---- live updates

    const refreshJobs = throttle(() => { if (!document.hidden) loadJobs(); }, 2000);
    const refreshSummary = throttle(() => { if (!document.hidden) loadSummary(); }, 3000);
    const pokePanel = throttle(() => { if (panel) panel.poke(); }, 2000);

    function onProgress(p) {
      if (p.campaign !== id || !summary) return;
      if (newestProgress && p.as_of_ms < newestProgress.as_of_ms) return;
      newestProgress = p;
      if (p.as_of_ms < (summary.as_of_ms || 0)) return;  // the page already shows something newer
      const key = JSON.stringify([p.state, p.counts, p.consumers]);
      if (key === lastProgressKey) return;
      lastProgressKey = key;
      const stateChanged = p.state !== summary.state;
      summary.state = p.state;
      summary.counts = p.counts;
      summary.consumers = p.consumers;
      if (stateChanged) renderHeader(); else renderActions();
      renderCounts();
      const points = summary.burndown || (summary.burndown = []);
      const now = Date.now();
      if (p.consumers && (points.length === 0 || points[points.length - 1].remaining !== p.consumers.remaining)) {
        points.push({ at_ms: now, remaining: p.consumers.remaining });
      }
      renderCharts();
      refreshJobs();
      refreshSummary();
      pokePanel();
    }

    function onEvent(ev) {
      if (ev.campaign !== id) return;
      addEvents([ev]);
    }

    const onVisible = () => { if (!document.hidden) { loadSummary(); loadJobs(); } };
    const onKey = (e) => {
      if (e.key === 'Escape' && panel && !document.querySelector('.modal-backdrop')) location.hash = hrefCampaign(id);
    };

    function showPanel(jobId) {
      if (panel && panel.jobId === String(jobId ?? '')) return;
      if (panel) { panel.el.remove(); panel = null; }
      root.classList.toggle('with-panel', Boolean(jobId));
      for (const row of tbody.querySelectorAll('tr.job-row')) {
        row.classList.toggle('selected', jobId !== undefined && row.getAttribute('data-job-id') === String(jobId));
      }
      if (jobId === undefined) return;
      panel = jobPanel(id, jobId, { refresh: () => { loadSummary(); loadJobs(); } });
      root.append(panel.el);
      panel.load();
    }

    return {
      el: root,
      start() {
        document.title = `${id} · skein`;
        loadSummary();
        loadJobs();
        if (r.job !== undefined) showPanel(r.job);
        stream = openStream(id, { progress: onProgress, event: onEvent }, live);
        document.addEventListener('visibilitychange', onVisible);
        document.addEventListener('keydown', onKey);
      },
      update(next) { showPanel(next.job); },
      destroy() {
        if (stream) stream.close();
        clearTimeout(summaryRetry);
        refreshJobs.cancel(); refreshSummary.cancel(); pokePanel.cancel();
        searchLater.cancel(); ownerLater.cancel(); tierLater.cancel();
        document.removeEventListener('visibilitychange', onVisible);
        document.removeEventListener('keydown', onKey);
      },
    };
  }

  // ---------------------------------------------------------------- datasets

  function datasetsView() {
    const filter = el('input', { type: 'search', class: 'input grow', placeholder: 'Filter datasets', 'aria-label': 'Filter datasets', testid: 'dataset-filter' });
    const tbody = el('tbody', null, el('tr', null, el('td', { colspan: 4 }, loadingNote())));
    const root = el('section', { class: 'page' },
      el('div', { class: 'page-head' }, el('h1', null, 'Datasets')),
      el('section', { class: 'card' },
        el('div', { class: 'filters' }, filter),
        el('div', { class: 'table-scroll' }, el('table', { class: 'table datasets', testid: 'datasets-table' },
          el('thead', null, el('tr', null, ['Dataset', 'Owner', 'Lifecycle', 'Consumers'].map((h) => el('th', { scope: 'col' }, h)))),
          tbody))));
    let datasets = [];
    const render = () => {
      const q = filter.value.trim().toLowerCase();
      const shown = datasets.filter((d) => !q || [d.id, d.ref, d.owner].some((v) => String(v || '').toLowerCase().includes(q)));
      fill(tbody, ...(shown.length ? shown.map((d) => el('tr', { testid: 'dataset-row', 'data-dataset': d.id,
        onclick: (e) => { if (!e.target.closest('a')) location.hash = hrefDataset(d.id); } },
      el('td', null, el('a', { href: hrefDataset(d.id), class: 'mono' }, d.id), d.ref ? el('div', { class: 'sub muted' }, d.ref) : null),
      el('td', null, d.owner || ''),
      el('td', null, d.lifecycle ? el('span', { class: `badge lc-${cssToken(d.lifecycle)}` }, d.lifecycle) : ''),
      el('td', { class: 'num' }, fmtNum(d.consumers))))
        : [el('tr', null, el('td', { colspan: 4, class: 'empty-row muted' }, datasets.length ? 'No dataset matches.' : 'The catalog has no dataset.'))]));
    };
    filter.addEventListener('input', render);
    return {
      el: root,
      async start() {
        document.title = 'Datasets · skein';
        try {
          const data = await api('GET', `${API}/datasets`);
          datasets = (data.datasets || []).slice().sort((a, b) => String(a.id).localeCompare(String(b.id)));
          render();
        } catch (e) {
          if (e.status !== 401) fill(tbody, el('tr', null, el('td', { colspan: 4 }, errorBox(e, 'the datasets'))));
        }
      },
    };
  }

  // Lineage, layered by depth: columns left to right, rows ordered by the mean row of each node's
  // parents (one barycentre pass), edges as curves from a parent's right side to a child's left.
  function lineageGraph(data) {
    const NW = 240;
    const NH = 44;
    const COL = 96;
    const ROW = 14;
    const PAD = 16;
    const nodes = data.nodes || [];
    const edges = (data.edges || []).filter((e) => e.from !== e.to);
    const byRef = new Map(nodes.map((n) => [n.ref, n]));
    const parents = new Map();
    for (const e of edges) {
      if (!byRef.has(e.from) || !byRef.has(e.to)) continue;
      if (!parents.has(e.to)) parents.set(e.to, []);
      parents.get(e.to).push(e.from);
    }
    const layers = new Map();
    for (const n of nodes) {
      const d = Number.isFinite(n.depth) ? n.depth : 0;
      if (!layers.has(d)) layers.set(d, []);
      layers.get(d).push(n);
    }
    const depths = [...layers.keys()].sort((a, b) => a - b);
    const row = new Map();
    for (const d of depths) {
      const layer = layers.get(d);
      const key = (n) => {
        const ps = (parents.get(n.ref) || []).filter((p) => row.has(p));
        return ps.length ? ps.reduce((s, p) => s + row.get(p), 0) / ps.length : Infinity;
      };
      const keys = new Map(layer.map((n) => [n.ref, key(n)]));
      layer.sort((a, b) => (keys.get(a.ref) - keys.get(b.ref)) || (a.kind === b.kind ? 0 : a.kind === 'dataset' ? -1 : 1) ||
        String(a.name || a.ref).localeCompare(String(b.name || b.ref)));
      layer.forEach((n, i) => row.set(n.ref, i));
    }
    const tallest = Math.max(1, ...depths.map((d) => layers.get(d).length));
    const height = PAD * 2 + tallest * NH + (tallest - 1) * ROW;
    const width = PAD * 2 + depths.length * NW + Math.max(0, depths.length - 1) * COL;
    const pos = new Map();
    depths.forEach((d, col) => {
      const layer = layers.get(d);
      const used = layer.length * NH + (layer.length - 1) * ROW;
      const top = PAD + (height - PAD * 2 - used) / 2;
      layer.forEach((n, i) => pos.set(n.ref, { x: PAD + col * (NW + COL), y: top + i * (NH + ROW) }));
    });

    const edgeNodes = [];
    const edgesOf = new Map();
    for (const e of edges) {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      if (!a || !b) continue;
      const x1 = a.x + NW;
      const y1 = a.y + NH / 2;
      const x2 = b.x;
      const y2 = b.y + NH / 2;
      let d;
      if (x2 > x1) {
        const c = (x2 - x1) / 2;
        d = `M${x1},${y1} C${x1 + c},${y1} ${x2 - c},${y2} ${x2},${y2}`;
      } else {
        // Same or earlier column: loop around below.
        const below = Math.max(y1, y2) + NH;
        d = `M${x1},${y1} C${x1 + 60},${below} ${x2 - 60},${below} ${x2},${y2}`;
      }
      const state = (byRef.get(e.to) || {}).state;
      const path = svg('path', { class: `edge st-${cssToken(state)}`, d, 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to });
      edgeNodes.push(path);
      for (const ref of [e.from, e.to]) {
        if (!edgesOf.has(ref)) edgesOf.set(ref, []);
        edgesOf.get(ref).push(path);
      }
    }

    const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
    const graph = svg('svg', { class: 'lineage', width, height, viewBox: `0 0 ${width} ${height}`, testid: 'lineage',
      role: 'img', 'aria-label': `Lineage of ${data.dataset ? data.dataset.id : ''}: ${nodes.length} nodes` });
    const nodeEls = nodes.filter((n) => pos.has(n.ref)).map((n) => {
      const p = pos.get(n.ref);
      const isRoot = n.depth === 0;
      const name = String(n.title || n.name || n.ref);
      const sub = n.kind === 'dataset' ? `dataset${n.owner ? ` · ${n.owner}` : ''}`
        : `${label(n.state)}${n.tier ? ` · ${n.tier}` : ''}`;
      const link = n.campaign && n.job !== undefined && n.job !== null && n.job !== '' ? hrefJob(n.campaign, n.job) : null;
      const g = svg('g', { class: `lnode ${n.kind === 'dataset' ? 'kind-dataset' : 'kind-consumer'} st-${cssToken(n.state)}${isRoot ? ' root' : ''}${link ? ' clickable' : ''}`,
        transform: `translate(${p.x},${p.y})`, testid: 'lineage-node', 'data-ref': n.ref, 'data-state': n.state || '', 'data-kind': n.kind,
        'data-depth': n.depth, tabindex: link ? 0 : null, role: link ? 'link' : null },
      svg('title', null, [name, n.ref, n.owner ? `owner ${n.owner}` : '', n.tier ? `tier ${n.tier}` : '', n.state ? `state ${label(n.state)}` : '',
        n.campaign ? `campaign ${n.campaign}` : ''].filter(Boolean).join('\n')),
      svg('rect', { class: 'box', width: NW, height: NH, rx: 7 }),
      svg('rect', { class: 'stripe', width: 5, height: NH, rx: 2 }),
      svg('text', { class: 'n-name', x: 14, y: 18 }, clip(name, 31)),
      svg('text', { class: 'n-sub', x: 14, y: 34 }, clip(sub, 38)));
      const highlight = (on) => {
        graph.classList.toggle('hovering', on);
        g.classList.toggle('hl', on);
        for (const path of edgesOf.get(n.ref) || []) path.classList.toggle('hl', on);
      };
      g.addEventListener('mouseenter', () => highlight(true));
      g.addEventListener('mouseleave', () => highlight(false));
      if (link) {
        g.addEventListener('click', () => { location.hash = link; });
        g.addEventListener('keydown', (e) => { if (e.key === 'Enter') location.hash = link; });
      }
      return g;
    });
    graph.append(
      svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { class: 'arrow', d: 'M0,0 L10,5 L0,10 z' }))),
      svg('g', { class: 'edges' }, edgeNodes),
      svg('g', { class: 'nodes' }, nodeEls));
    return graph;
  }

  function datasetView(r) {
    const id = r.id;
    const headBox = el('div', { class: 'card' },
      el('div', { class: 'crumbs small' }, el('a', { href: '#/datasets' }, 'Datasets'), ' / '),
      el('h1', { class: 'mono', testid: 'dataset-title' }, id));
    const legend = el('div', { class: 'legend', testid: 'lineage-legend' });
    const graphBox = el('div', { class: 'graph-scroll' }, loadingNote());
    const remainingBox = el('div', { class: 'chart-box', testid: 'dataset-remaining' });
    const remainingCard = el('section', { class: 'card', hidden: true },
      el('h2', null, 'Consumers still reading it'), remainingBox);
    const note = el('p', { class: 'small muted' });
    const root = el('section', { class: 'page', testid: 'dataset-page', 'data-dataset': id },
      headBox,
      remainingCard,
      el('section', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', null, 'Lineage'), legend), note, graphBox));
    // The lineage comes a page at a time (consumers in breadth-first order); "Show more" adds
    // the next page to the graph.
    const LINEAGE_PAGE = 500;
    const shown = { dataset: null, nodes: [], edges: [], truncated: false };
    const more = el('button', { type: 'button', class: 'btn', testid: 'lineage-more', hidden: true });
    let total = 0;
    let loading = false;

    async function loadPage() {
      if (loading) return;
      loading = true;
      more.disabled = true;
      const offset = Math.max(0, shown.nodes.length - 1);
      try {
        const data = await api('GET', `${API}/datasets/${enc(id)}/lineage?depth=0&limit=${LINEAGE_PAGE}&offset=${offset}`);
        const counts = data.consumers || {};
        total = counts.total || 0;
        if (!shown.dataset) {
          shown.dataset = data.dataset || {};
          const ds = shown.dataset;
          headBox.append(el('p', { class: 'meta small muted' },
            ds.ref ? el('span', null, ds.ref) : null, ds.owner ? el('span', null, `owner ${ds.owner}`) : null));
          if (ds.deprecated_by || ds.decommission_date || ds.lifecycle === 'deprecated') {
            const days = ds.decommission_date ? Math.ceil((Date.parse(`${ds.decommission_date}T00:00:00Z`) - Date.now()) / 86400000) : null;
            headBox.append(el('p', { class: 'small', testid: 'deprecation' },
              el('strong', null, 'Deprecated'),
              ds.deprecated_by ? [' in favour of ', el('a', { href: `#/datasets/${enc(ds.deprecated_by)}`, class: 'mono' }, ds.deprecated_by)] : null,
              ds.decommission_date ? el('span', { testid: 'decommission-date', 'data-date': ds.decommission_date },
                ` · decommission on ${ds.decommission_date}${Number.isFinite(days) ? (days >= 0 ? ` (in ${fmtNum(days)} days)` : ` (${fmtNum(-days)} days ago)`) : ''}`) : null,
              ` · ${fmtNum(counts.remaining || 0)} of ${fmtNum(counts.direct || 0)} direct consumers still read it`));
          }
          if (ds.retired) {
            headBox.append(el('p', { class: 'small', testid: 'retired' }, el('strong', null, 'Retired'),
              ' · decommissioned by skein watch: no consumer reads it any more'));
          }
          if ((data.notices || []).length) {
            headBox.append(el('ul', { class: 'notices small', testid: 'notices' }, ...data.notices.map((n) =>
              el('li', { class: n.alert ? 'notice alert' : 'notice', testid: `notice-${cssToken(n.kind)}` },
                el('span', { class: 'muted' }, `${new Date(n.at_ms).toISOString().slice(0, 16).replace('T', ' ')} · `),
                el('strong', null, label(n.kind)), ` ${n.message}`))));
          }
          if ((data.remaining || []).length) {
            fill(remainingBox, burndownChart(data.remaining, Date.now()));
            remainingCard.hidden = false;
          }
          shown.nodes.push(...(data.nodes || []).slice(0, 1));
          const byState = Object.entries(counts.by_state || {});
          fill(legend, ...byState.sort((a, b) => b[1] - a[1]).map(([st, n]) =>
            el('span', { class: `legend-item st-${cssToken(st)}`, testid: `legend-${cssToken(st)}` }, el('span', { class: 'swatch' }), `${label(st)} ${fmtNum(n)}`)));
        }
        shown.nodes.push(...(data.nodes || []).slice(1));
        shown.edges.push(...(data.edges || []));
        shown.truncated = Boolean(data.truncated);
        const direct = counts.direct || 0;
        const showing = shown.nodes.length - 1;
        note.textContent = `${fmtNum(total)} consumers: ${fmtNum(direct)} direct, ${fmtNum(total - direct)} transitive.` +
          `${showing < total ? ` Showing the first ${fmtNum(showing)}.` : ''}` +
          `${shown.truncated ? ' The graph is truncated.' : ''} Click a consumer to open its job.`;
        more.hidden = showing >= total;
        more.textContent = `Show ${fmtNum(Math.min(LINEAGE_PAGE, total - showing))} more`;
        fill(graphBox, shown.nodes.length ? lineageGraph(shown) : el('p', { class: 'muted' }, 'Nothing reads this dataset.'));
      } catch (e) {
        if (e.status === 401) return;
        if (shown.dataset) { toast(`Loading more failed: ${e.message}`, 'error'); return; }
        fill(graphBox, e.status === 404
          ? el('div', { class: 'empty', testid: 'not-found' }, el('strong', null, `No dataset ${id} in the catalog.`))
          : errorBox(e, 'the lineage'));
      } finally {
        loading = false;
        more.disabled = false;
      }
    }
    more.addEventListener('click', loadPage);
    graphBox.parentNode.append(el('div', { class: 'more-row' }, more));

    return {
      el: root,
      start() {
        document.title = `${id} · skein`;
        loadPage();
      },
    };
  }

  function notFoundView() {
    return {
      el: el('section', { class: 'page' }, el('div', { class: 'card empty', testid: 'not-found' },
        el('strong', null, 'Nothing here.'), el('p', null, el('a', { href: '#/' }, 'Back to the campaigns')))),
    };
  }

  const VIEWS = {
    campaigns: campaignsView,
    campaign: campaignView,
    datasets: datasetsView,
    dataset: datasetView,
    'not-found': notFoundView,
  };

  // ---------------------------------------------------------------- boot

  async function boot() {
    $('#sign-out').addEventListener('click', signOut);
    window.addEventListener('hashchange', route);
    try {
      await refreshSession();
    } catch (e) {
      fill($('#app'), errorBox(e, 'the session'));
      return;
    }
    route();
  }

  boot();
})();
