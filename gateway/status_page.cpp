#include "gateway/status_page.hpp"

namespace iotgw::gateway {
namespace {

// Text from /api/status goes into the page through textContent and
// setAttribute only, never as markup. The page holds no "//" at all (no
// comments of that kind, no URLs), which the tests check.
constexpr std::string_view page = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>iotgw status</title>
<style>
:root {
  --bg: #f4f6f8; --fg: #1b1f24; --card: #ffffff; --muted: #59636e; --line: #d5dbe1;
  --good: #1a7f37; --warn: #9a6700; --bad: #cf222e;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --card: #161b22; --muted: #9198a1; --line: #30363d;
    --good: #3fb950; --warn: #d29922; --bad: #f85149;
  }
}
* { box-sizing: border-box; }
html { font-size: 16px; -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
header {
  position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; align-items: baseline;
  gap: 0.25rem 1rem; padding: 0.75rem 1rem; background: var(--card);
  border-bottom: 1px solid var(--line);
}
h1 { margin: 0; font-size: 1.25rem; overflow-wrap: anywhere; }
h2 { margin: 1.25rem 0 0.5rem; font-size: 1.125rem; }
.card h2 { margin-top: 0; }
h3 { margin: 0 0 0.25rem; font-size: 1rem; overflow-wrap: anywhere; }
main { max-width: 72rem; margin: 0 auto; padding: 0 1rem 2rem; }
#banner {
  display: none; margin: 0.75rem 0 0; padding: 0.5rem 0.75rem; border-radius: 0.375rem;
  background: var(--bad); color: #ffffff;
}
body[data-state="stale"] #banner, body[data-state="error"] #banner { display: block; }
body[data-state="stale"] #data { opacity: 0.5; }
.cards {
  display: grid; gap: 0.75rem; margin-top: 0.75rem;
  grid-template-columns: repeat(auto-fit, minmax(min(20rem, 100%), 1fr));
}
.card, .device {
  background: var(--card); border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.75rem;
}
.device { margin-bottom: 0.75rem; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0.125rem 0.75rem; margin: 0; }
dt { color: var(--muted); white-space: nowrap; }
dd { margin: 0; text-align: right; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
.meta { margin: 0 0 0.5rem; color: var(--muted); font-size: 0.875rem; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 0.3rem 0.5rem; border-top: 1px solid var(--line); text-align: left; }
th { color: var(--muted); font-size: 0.875rem; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.name { overflow-wrap: anywhere; }
.unit { margin-left: 0.25em; color: var(--muted); }
.good { color: var(--good); }
.warn { color: var(--warn); }
.bad { color: var(--bad); }
.none { color: var(--muted); }
.quality { font-weight: 600; }
#updated { color: var(--muted); font-size: 0.875rem; }
</style>
</head>
<body data-state="loading">
<header>
<h1 id="gateway">iotgw</h1>
<span id="health" class="none">loading</span>
<span id="updated"></span>
</header>
<main>
<div id="banner" role="alert"></div>
<div id="data">
<section class="cards" id="cards"></section>
<h2>Devices</h2>
<div id="buses"><p class="meta">No data yet.</p></div>
</div>
</main>
<script>
(function () {
  'use strict';
  const refreshMs = 1000;
  const timeoutMs = 5000;
  const dash = '\u2014';

  function tokenOfFragment() {
    const parts = location.hash.replace(/^#/, '').split('&');
    for (const part of parts) {
      if (part.startsWith('token=')) {
        try {
          return decodeURIComponent(part.slice(6));
        } catch (e) {
          return part.slice(6);
        }
      }
    }
    return null;
  }
  const token = tokenOfFragment();

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const name in attributes || {}) {
      node.setAttribute(name, attributes[name]);
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }
  function show(node, text, className) {
    if (node.textContent !== text) {
      node.textContent = text;
    }
    if (className !== undefined && node.className !== className) {
      node.className = className;
    }
  }
  function at(object, path) {
    return path.split('.').reduce((o, key) => (o == null ? undefined : o[key]), object);
  }

  function number(v) {
    if (typeof v !== 'number' || !isFinite(v)) {
      return dash;
    }
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  }
  function count(v) {
    return typeof v === 'number' ? v.toLocaleString('en-US') : dash;
  }
  function bytes(v) {
    if (typeof v !== 'number') {
      return dash;
    }
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      ++i;
    }
    return (i === 0 ? String(v) : v.toFixed(1)) + ' ' + units[i];
  }
  function duration(s) {
    if (typeof s !== 'number' || !isFinite(s)) {
      return dash;
    }
    if (s < 10) {
      return s.toFixed(1) + ' s';
    }
    if (s < 120) {
      return Math.round(s) + ' s';
    }
    const m = Math.floor(s / 60);
    if (m < 120) {
      return m + ' min';
    }
    const h = Math.floor(m / 60);
    if (h < 48) {
      return h + ' h ' + (m % 60) + ' min';
    }
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }
  function value(v) {
    if (v === null || v === undefined) {
      return dash;
    }
    if (typeof v === 'number') {
      return number(v);
    }
    return String(v);
  }
  function qualityClass(q) {
    if (q === 'good') {
      return 'quality good';
    }
    if (q === 'none' || q === undefined || q === null) {
      return 'quality none';
    }
    return /stale|uncertain|held/.test(q) ? 'quality warn' : 'quality bad';
  }
  function yes(v, good, bad) {
    return v === true ? [good, 'good'] : v === false ? [bad, 'bad'] : [dash, ''];
  }

  function clockState(v) {
    return yes(v, 'synchronised', 'not synchronised');
  }
  function link(v) {
    return yes(v, 'connected', 'disconnected');
  }
  function oldest(v, s) {
    return at(s, 'queue.rows') === 0 ? dash : duration(v);
  }
  const cards = [
    ['Gateway', [
      ['Version', 'version', value],
      ['Uptime', 'uptime_s', duration],
      ['Memory', 'rss_bytes', bytes],
      ['Clock', 'clock.synchronised', clockState],
      ['Readings', 'readings.total', count],
      ['Suppressed', 'readings.suppressed', count],
      ['Dropped', 'readings.dropped', count],
      ['Commands', 'commands.total', count],
      ['Refused commands', 'commands.refused', count],
    ]],
    ['Uplink', [
      ['Connection', 'uplink.connected', link],
      ['Broker', 'uplink.broker', value],
      ['Reconnects', 'uplink.reconnects', count],
      ['Failovers', 'uplink.failovers', count],
      ['Published', 'uplink.published', count],
      ['Acknowledged', 'uplink.acknowledged', count],
      ['Expired', 'uplink.expired', count],
      ['Rejected', 'uplink.rejected', count],
    ]],
    ['Queue', [
      ['Rows', 'queue.rows', count],
      ['Bytes', 'queue.bytes', bytes],
      ['Oldest', 'queue.oldest_age_s', oldest],
      ['Queued', 'queue.queued', count],
      ['Evicted', 'queue.evicted', count],
      ['Fsyncs', 'queue.fsyncs', count],
      ['Held for clock', 'queue.clock_held', count],
    ]],
  ];
  const fields = [];
  for (const [title, rows] of cards) {
    const card = el('div', {class: 'card'});
    card.append(el('h2', {}, title));
    const list = el('dl');
    for (const [label, path, format] of rows) {
      const cell = el('dd', {'data-field': path});
      list.append(el('dt', {}, label), cell);
      fields.push([cell, path, format]);
    }
    card.append(list);
    document.getElementById('cards').append(card);
  }

  let shape = null;
  let points = new Map();
  let devices = new Map();

  function deviceMeta(d) {
    const parts = [value(d.protocol), 'readings ' + count(d.readings)];
    if (typeof d.protocol === 'string' && d.protocol.startsWith('modbus')) {
      parts.push('requests ' + count(d.requests), 'timeouts ' + count(d.timeouts),
                 'CRC errors ' + count(d.crc_errors), 'exceptions ' + count(d.exceptions));
    }
    return parts.join(' \u00b7 ');
  }

  function build(list) {
    const root = document.getElementById('buses');
    points = new Map();
    devices = new Map();
    const buses = new Map();
    for (const d of list) {
      const bus = String(d.bus);
      if (!buses.has(bus)) {
        buses.set(bus, []);
      }
      buses.get(bus).push(d);
    }
    const nodes = [];
    if (list.length === 0) {
      nodes.push(el('p', {class: 'meta'}, 'No devices.'));
    }
    for (const [bus, members] of buses) {
      const section = el('section', {'data-bus': bus});
      section.append(el('h2', {}, 'Bus ' + bus));
      for (const d of members) {
        const box = el('div', {class: 'device', 'data-device': String(d.name)});
        const meta = el('p', {class: 'meta'});
        box.append(el('h3', {}, String(d.name)), meta);
        devices.set(String(d.name), meta);
        const table = el('table');
        const head = el('tr');
        head.append(el('th', {}, 'Point'), el('th', {class: 'num'}, 'Value'),
                     el('th', {}, 'Quality'), el('th', {class: 'num'}, 'Age'));
        const thead = el('thead');
        thead.append(head);
        table.append(thead);
        const body = el('tbody');
        for (const p of d.points || []) {
          const key = d.name + '/' + p.name;
          const row = el('tr');
          const valueCell = el('td', {class: 'num'});
          const cells = {
            value: el('span', {class: 'value', 'data-point': key}),
            unit: el('span', {class: 'unit'}),
            quality: el('td', {'data-quality': key}),
            age: el('td', {class: 'num', 'data-age': key}),
          };
          valueCell.append(cells.value, cells.unit);
          row.append(el('td', {class: 'name'}, String(p.name)), valueCell, cells.quality, cells.age);
          body.append(row);
          points.set(key, cells);
        }
        table.append(body);
        const scroll = el('div', {class: 'scroll'});
        scroll.append(table);
        box.append(scroll);
        section.append(box);
      }
      nodes.push(section);
    }
    root.replaceChildren(...nodes);
  }

  function render(s) {
    const list = Array.isArray(s.devices) ? s.devices : [];
    const next = JSON.stringify(list.map(d => [d.bus, d.name, (d.points || []).map(p => p.name)]));
    if (next !== shape) {
      build(list);
      shape = next;
    }
    const id = s.gateway === undefined ? 'iotgw' : String(s.gateway);
    show(document.getElementById('gateway'), id);
    document.title = id + ' \u00b7 iotgw status';
    const healthy = at(s, 'health.healthy');
    const reason = at(s, 'health.reason');
    show(document.getElementById('health'),
         healthy ? 'healthy' : 'unhealthy: ' + (reason ? String(reason) : 'no reason given'),
         healthy ? 'good' : 'bad');
    for (const [cell, path, format] of fields) {
      const shown = format(at(s, path), s);
      if (Array.isArray(shown)) {
        show(cell, shown[0], shown[1]);
      } else {
        show(cell, shown);
      }
    }
    for (const d of list) {
      const meta = devices.get(String(d.name));
      if (meta) {
        show(meta, deviceMeta(d));
      }
      for (const p of d.points || []) {
        const cells = points.get(d.name + '/' + p.name);
        if (!cells) {
          continue;
        }
        show(cells.value, value(p.value));
        show(cells.unit, p.unit && p.value != null ? String(p.unit) : '');
        show(cells.quality, p.quality == null ? dash : String(p.quality), qualityClass(p.quality));
        show(cells.age, duration(p.age_s));
      }
    }
  }

  let lastGood = null;
  function clock(date) {
    return date.toLocaleTimeString('en-GB', {hour12: false});
  }
  function succeeded(s) {
    render(s);
    lastGood = new Date();
    document.body.dataset.state = 'ok';
    show(document.getElementById('updated'), 'updated ' + clock(lastGood));
    show(document.getElementById('banner'), '');
  }
  function failed(error) {
    const why = error && error.message ? error.message : String(error);
    const banner = document.getElementById('banner');
    if (lastGood) {
      document.body.dataset.state = 'stale';
      const age = Math.round((Date.now() - lastGood.getTime()) / 1000);
      show(banner, 'Status unavailable (' + why + '); showing data from ' + age + ' s ago.');
    } else {
      document.body.dataset.state = 'error';
      show(banner, 'Status unavailable (' + why + ').');
    }
  }

  function poll() {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const headers = {Accept: 'application/json'};
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    fetch('/api/status', {headers: headers, cache: 'no-store', signal: abort.signal})
      .then(response => {
        if (response.status === 401) {
          throw new Error(token ? 'the token was refused' : 'a token is needed: open this page with #token=...');
        }
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      })
      .then(succeeded)
      .catch(error => failed(error && error.name === 'AbortError' ? new Error('no answer') : error))
      .finally(() => {
        clearTimeout(timer);
        setTimeout(poll, refreshMs);
      });
  }
  poll();
})();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view status_page_html() {
  return page;
}

}  // namespace iotgw::gateway
