#include "report/page_assets.h"

namespace ptrscan::report {

std::string_view page_css() {
  return R"css(
:root { --fg: #1b1f24; --muted: #5b636d; --line: #d6dae0; --bg: #ffffff; --panel: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
       Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 6px; }
p.meta, p.note, figcaption, .sub { color: var(--muted); }
p.note { margin: 6px 0; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.card .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .sub { font-size: 12px; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px 28px;
          margin-top: 16px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.stats { width: 100%; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.name, th.name { text-align: left; }
td.name { white-space: normal; word-break: break-all; font: 12px ui-monospace, Menlo, Consolas, monospace; }
table.stats th { font-weight: normal; white-space: normal; }
td.pct { color: var(--muted); width: 5em; }
table.sortable thead th { position: sticky; top: 0; background: var(--panel); cursor: pointer;
                          user-select: none; }
table.sortable thead th[aria-sort="descending"]::after { content: " \25BC"; font-size: 10px; }
table.sortable thead th[aria-sort="ascending"]::after { content: " \25B2"; font-size: 10px; }
tr.zero td { color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px;
          border: 1px solid rgba(0,0,0,.25); }
.blocks { display: flex; flex-wrap: wrap; gap: 20px; }
figure.block { margin: 0; }
figure.block canvas { width: 512px; height: 512px; image-rendering: pixelated; border: 1px solid var(--line);
                      display: block; background: #fff; }
.of, .muted { color: var(--muted); font-size: 11px; }
table.list { margin: 6px 0 10px; }
table.list td, table.list th { vertical-align: top; }
table.list td.name { max-width: 46em; }
span.code { font: 12px ui-monospace, Menlo, Consolas, monospace; background: #eef1f5;
            border-radius: 3px; padding: 0 4px; }
span.lint-code { background: #fff1d6; }
.spf-record { margin-bottom: 2px; }
.verdict-bad { color: #b3261e; font-weight: 600; }
.verdict-warn { color: #8a5a00; }
p.absent { font-style: italic; }
figure.block .probe { font: 12px ui-monospace, Menlo, Consolas, monospace; min-height: 1.5em; }
)css";
}

std::string_view page_script() {
  return R"js(
(function () {
  'use strict';
  var SIDE = 256;
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  var B64_VALUE = {};
  for (var i = 0; i < B64.length; i++) { B64_VALUE[B64.charAt(i)] = i; }

  // The Hilbert-curve distance of cell (x, y): the inverse of the layout the
  // report generator used, so a pointer position names its address.
  function xy2d(x, y) {
    var d = 0;
    for (var s = SIDE / 2; s > 0; s = s >> 1) {
      var rx = (x & s) > 0 ? 1 : 0;
      var ry = (y & s) > 0 ? 1 : 0;
      d += s * s * ((3 * rx) ^ ry);
      if (ry === 0) {
        if (rx === 1) { x = SIDE - 1 - x; y = SIDE - 1 - y; }
        var t = x; x = y; y = t;
      }
    }
    return d;
  }

  function rgb(hex) {
    var n = parseInt(hex.slice(1), 16);
    return [n >> 16, (n >> 8) & 255, n & 255];
  }

  function drawBlock(figure, keys, labels, colours) {
    var canvas = figure.querySelector('canvas');
    var text = canvas.getAttribute('data-cells') || '';
    var cells = new Uint8Array(SIDE * SIDE);
    // Two cells per character: 3 bits each, row-major.
    for (var i = 0; i < text.length && 2 * i + 1 < cells.length; i++) {
      var v = B64_VALUE[text.charAt(i)] || 0;
      cells[2 * i] = v >> 3;
      cells[2 * i + 1] = v & 7;
    }
    var ctx = canvas.getContext('2d');
    var image = ctx.createImageData(SIDE, SIDE);
    var counts = keys.map(function () { return 0; });
    for (var p = 0; p < cells.length; p++) {
      var c = colours[cells[p]] || colours[0];
      image.data[4 * p] = c[0];
      image.data[4 * p + 1] = c[1];
      image.data[4 * p + 2] = c[2];
      image.data[4 * p + 3] = 255;
      counts[cells[p]]++;
    }
    ctx.putImageData(image, 0, 0);
    // What was drawn, for anyone (or any test) to compare with the caption.
    keys.forEach(function (key, k) { figure.setAttribute('data-drawn-' + key, counts[k]); });

    var base = Number(figure.getAttribute('data-first'));
    var probe = figure.querySelector('.probe');
    canvas.addEventListener('mousemove', function (e) {
      var r = canvas.getBoundingClientRect();
      var x = Math.min(SIDE - 1, Math.max(0, Math.floor((e.clientX - r.left) * SIDE / r.width)));
      var y = Math.min(SIDE - 1, Math.max(0, Math.floor((e.clientY - r.top) * SIDE / r.height)));
      var a = base + xy2d(x, y);
      probe.textContent = [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.') +
          '  ' + labels[cells[y * SIDE + x]];
    });
  }

  function drawMaps() {
    var section = document.getElementById('maps');
    if (!section) { return; }
    var keys = JSON.parse(section.getAttribute('data-verdicts'));
    var labels = JSON.parse(section.getAttribute('data-labels'));
    var colours = JSON.parse(section.getAttribute('data-palette')).map(rgb);
    var figures = section.querySelectorAll('figure.block');
    for (var i = 0; i < figures.length; i++) { drawBlock(figures[i], keys, labels, colours); }
  }

  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.getAttribute('data-value');
    if (numeric) { return Number(v); }
    return v !== null ? v : cell.textContent;
  }

  function sortTable(table, col, direction) {
    var th = table.tHead.rows[0].cells[col];
    var numeric = th.getAttribute('data-type') === 'num';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sign = direction === 'ascending' ? 1 : -1;
    // Array.prototype.sort is stable: equal keys keep the previous order.
    rows.sort(function (a, b) {
      var ka = cellKey(a, col, numeric), kb = cellKey(b, col, numeric);
      if (numeric) { return sign * (ka - kb); }
      return sign * String(ka).localeCompare(String(kb));
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (r) { fragment.appendChild(r); });
    body.appendChild(fragment);
    var headers = table.tHead.rows[0].cells;
    for (var h = 0; h < headers.length; h++) { headers[h].removeAttribute('aria-sort'); }
    th.setAttribute('aria-sort', direction);
    table.setAttribute('data-sorted-by', th.getAttribute('data-key') || String(col));
  }

  function makeSortable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, col) {
      th.tabIndex = 0;
      var toggle = function () {
        var current = th.getAttribute('aria-sort');
        var numeric = th.getAttribute('data-type') === 'num';
        var next = current === 'descending' ? 'ascending'
                 : current === 'ascending' ? 'descending'
                 : numeric ? 'descending' : 'ascending';
        sortTable(table, col, next);
      };
      th.addEventListener('click', toggle);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
      });
    });
    var initial = table.getAttribute('data-initial-sort');
    if (initial !== null) { sortTable(table, Number(initial), 'descending'); }
  }

  drawMaps();
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), makeSortable);
  document.body.setAttribute('data-rendered', '1');
})();
)js";
}

}  // namespace ptrscan::report
