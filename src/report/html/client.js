/*
 * memforensics HTML report, browser side: draws the charts described in the JSON block #mf-data
 * with uPlot (inlined before this script). No network, no eval, no innerHTML: every string from the
 * data reaches the page through textContent or canvas fillText only.
 * Source of src/report/html/assets.generated.ts: edit here, then run `node scripts/gen-assets.mjs`.
 */
(function () {
  'use strict';

  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  var ROLE_STYLE = {
    data: { stroke: '#3b6fb6', width: 1 },
    fit: { stroke: '#e6550d', width: 2.5 },
    envelope: { stroke: '#238b45', width: 1.5, points: 4 },
    'upper-envelope': { stroke: '#807dba', width: 1, points: 3 },
    'band-low': { stroke: 'rgba(230,85,13,0.55)', width: 1, dash: [5, 4] },
    'band-high': { stroke: 'rgba(230,85,13,0.55)', width: 1, dash: [5, 4] },
    projection: { stroke: '#cb181d', width: 2, dash: [9, 6] },
    limit: { stroke: '#525252', width: 1.5, dash: [3, 4] },
    points: { stroke: '#cb181d', width: 0, points: 7 }
  };
  var MARKER_STYLE = {
    onset: { color: '#238b45', dash: [6, 4] },
    'time-to-limit': { color: '#cb181d', dash: [2, 3] },
    oom: { color: '#cb181d', dash: [] },
    event: { color: '#525252', dash: [4, 4] }
  };
  var BYTES = { b: 1, byte: 1, bytes: 1, kb: 1024, kib: 1024, kbytes: 1024, mb: 1048576, mib: 1048576, gb: 1073741824, gib: 1073741824 };
  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  var DPR = window.devicePixelRatio || 1;

  function fmtBytes(b) {
    var sign = b < 0 ? '-' : '';
    var v = Math.abs(b);
    var i = 0;
    while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
    if (i === 0) return sign + Math.round(v) + ' B';
    return sign + (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ' + UNITS[i];
  }

  function fmtNum(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    if (a >= 100 || v === Math.round(v)) return String(Math.round(v));
    return v.toPrecision(3);
  }

  function valueFormatter(unit) {
    var scale = BYTES[String(unit || '').toLowerCase()];
    if (scale) return function (v) { return fmtBytes(v * scale); };
    if (unit === 'index') return function (v) { return v.toFixed(2); };
    return function (v) { return fmtNum(v); };
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  function fmtUtc(sec) {
    var d = new Date(sec * 1000);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + 'Z';
  }

  /**
   * Seconds from the start as the report's tables write them (core/format.ts formatDuration, whole
   * seconds and up: axes and readouts never reach below): `+45 s`, `+3 min 20 s`, `+7 h 56 min`, `+3 d 13 h`.
   */
  function fmtDur(sec) {
    var sign = sec < 0 ? '-' : '+';
    var a = Math.abs(sec);
    if (a === 0) return '0 s';
    if (a < 9.95) return sign + Number(a.toFixed(1)) + ' s';
    var s = Math.round(a);
    if (s < 60) return sign + s + ' s';
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    if (d > 0) return sign + d + ' d' + (h ? ' ' + h + ' h' : '');
    if (h > 0) return sign + h + ' h' + (m ? ' ' + m + ' min' : '');
    return sign + m + ' min' + (s % 60 && m < 10 ? ' ' + (s % 60) + ' s' : '');
  }

  function fmtX(chart) { return chart.xEpoch ? fmtUtc : fmtDur; }

  /** A layer's or heatmap's times: `t`, or `tr: [start, step, count]` for a fixed step. */
  function times(o) {
    if (Array.isArray(o.t)) return o.t;
    var out = [];
    if (Array.isArray(o.tr) && o.tr.length === 3) {
      var n = Math.min(o.tr[2], 1e7);
      for (var i = 0; i < n; i++) out.push(o.tr[0] + i * o.tr[1]);
    }
    return out;
  }

  /** Union of every layer's x values, each layer spread onto it (null where it has no point). */
  function align(layers) {
    var all = [];
    var i, j;
    for (i = 0; i < layers.length; i++) for (j = 0; j < layers[i].t.length; j++) all.push(layers[i].t[j]);
    all.sort(function (a, b) { return a - b; });
    var xs = [];
    for (i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) xs.push(all[i]);
    var index = new Map();
    for (i = 0; i < xs.length; i++) index.set(xs[i], i);
    var data = [xs];
    for (i = 0; i < layers.length; i++) {
      var col = new Array(xs.length).fill(null);
      var l = layers[i];
      for (j = 0; j < l.t.length; j++) col[index.get(l.t[j])] = l.v[j];
      data.push(col);
    }
    return data;
  }

  /** Epoch tick labels in UTC, ISO-like: the time, with the date under the first tick and at day changes. */
  function utcTicks(u, splits, axisIdx, space, incr) {
    var lastDay = '';
    return splits.map(function (s) {
      if (s == null) return '';
      var iso = fmtUtc(s);
      var day = iso.slice(0, 10);
      var time = incr >= 86400 ? '' : incr % 60 === 0 ? iso.slice(11, 16) : iso.slice(11, 19);
      var label = time;
      if (day !== lastDay || !time) label = time ? time + '\n' + day : day;
      lastDay = day;
      return label;
    });
  }

  function xAxis(chart) {
    var ax = { stroke: '#444', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' } };
    if (chart.xEpoch) {
      ax.values = utcTicks;
      ax.size = 48;
    } else {
      // Seconds since the start: ticks at round durations.
      ax.incrs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
      ax.values = function (u, splits) { return splits.map(function (s) { return s == null ? '' : fmtDur(s); }); };
    }
    return ax;
  }

  /** Tick steps for sizes at round binary values (16 KiB, 256 MiB...), in the series' unit. */
  function byteIncrs(unit) {
    var scale = BYTES[String(unit || '').toLowerCase()];
    if (!scale) return undefined;
    var out = [];
    for (var k = 0; k <= 5; k++) {
      for (var m = 1; m < 1024; m *= 2) out.push((m * Math.pow(1024, k)) / scale);
    }
    return out.filter(function (x) { return x >= 1 / 1024; });
  }

  function yAxis(fmt, unit) {
    return {
      incrs: byteIncrs(unit),
      stroke: '#444',
      grid: { stroke: '#eee' },
      ticks: { stroke: '#ddd' },
      size: 78,
      values: function (u, splits) { return splits.map(function (s) { return s == null ? '' : fmt(s); }); }
    };
  }

  function xScale(chart, markers) {
    var sc = { time: !!chart.xEpoch };
    if (markers.length) {
      sc.range = function (u, min, max) {
        for (var i = 0; i < markers.length; i++) {
          if (markers[i].x < min) min = markers[i].x;
          if (markers[i].x > max) max = markers[i].x;
        }
        if (min === max) { min -= 1; max += 1; }
        var padX = (max - min) * 0.01;
        return [min - padX, max + padX];
      };
    }
    return sc;
  }

  function drawMarkers(markers) {
    return function (u) {
      var ctx = u.ctx;
      var top = u.bbox.top;
      var h = u.bbox.height;
      ctx.save();
      ctx.font = Math.round(11 * DPR) + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      var ROWS = 4;
      var rowEnd = [];
      for (var r = 0; r < ROWS; r++) rowEnd.push(-Infinity);
      for (var i = 0; i < markers.length; i++) {
        var m = markers[i];
        var st = MARKER_STYLE[m.role] || MARKER_STYLE.event;
        var x = Math.round(u.valToPos(m.x, 'x', true));
        if (x < u.bbox.left - 1 || x > u.bbox.left + u.bbox.width + 1) continue;
        ctx.strokeStyle = st.color;
        ctx.fillStyle = st.color;
        ctx.lineWidth = 1.5 * DPR;
        ctx.setLineDash(st.dash.map(function (d) { return d * DPR; }));
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + h);
        ctx.stroke();
        var label = String(m.label);
        if (label.length > 40) label = label.slice(0, 39) + '…';
        var w = ctx.measureText(label).width;
        var lx = x + 4 * DPR;
        if (lx + w > u.bbox.left + u.bbox.width) lx = x - 4 * DPR - w;
        // The first row where the label does not overlap the previous one; none: no label (the table has it).
        var row = -1;
        for (var k = 0; k < ROWS; k++) {
          if (lx > rowEnd[k] + 6 * DPR) { row = k; break; }
        }
        if (row < 0) continue;
        rowEnd[row] = lx + w;
        var ly = top + (4 + row * 14) * DPR;
        ctx.fillStyle = 'rgba(255,255,255,0.85)';
        ctx.fillRect(lx - 2 * DPR, ly - 1 * DPR, w + 4 * DPR, 13 * DPR);
        ctx.fillStyle = st.color;
        ctx.fillText(label, lx, ly);
      }
      ctx.restore();
    };
  }

  function lineChart(host, chart, width) {
    var layers = chart.layers;
    var dataLayers = layers.filter(function (l) { return l.role === 'data'; }).length;
    var fmt = valueFormatter(chart.unit);
    var fx = fmtX(chart);
    var series = [{ label: chart.xEpoch ? 'time (UTC)' : 'time', value: function (u, v) { return v == null ? '–' : fx(v); } }];
    var bands = [];
    var low = -1;
    var high = -1;
    layers.forEach(function (l, i) {
      var st = ROLE_STYLE[l.role] || ROLE_STYLE.data;
      var stroke = l.role === 'data' && (dataLayers > 1 || typeof l.color === 'number') ? PALETTE[(l.color || 0) % PALETTE.length] : st.stroke;
      if (l.role === 'points') stroke = st.stroke;
      var s = {
        label: l.role === 'band-low' || l.role === 'band-high' ? '95 % band' : l.label,
        stroke: stroke,
        width: st.width,
        spanGaps: true,
        value: function (u, v) { return v == null ? '–' : fmt(v); },
        // Data lines: uPlot's default shows the points only when they are few enough to see.
        points: st.points ? { show: true, size: st.points, stroke: stroke, fill: stroke } : l.role === 'data' ? { size: 5 } : { show: false }
      };
      if (st.dash) s.dash = st.dash;
      if (l.role === 'points') s.paths = function () { return null; };
      series.push(s);
      if (l.role === 'band-low') low = i + 1;
      if (l.role === 'band-high') high = i + 1;
    });
    if (low > 0 && high > 0) bands.push({ series: [high, low], fill: 'rgba(230,85,13,0.10)' });
    var yScale = { auto: true };
    if (chart.yRange) yScale = { auto: false, range: [chart.yRange[0], chart.yRange[1]] };
    var opts = {
      width: width,
      height: 320,
      series: series,
      bands: bands,
      scales: { x: xScale(chart, chart.markers), y: yScale },
      axes: [xAxis(chart), yAxis(fmt, chart.unit)],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      hooks: { draw: [drawMarkers(chart.markers)] }
    };
    if (chart.xEpoch) opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); };
    if (!layers.length) {
      opts.series.push({ label: '', show: true });
      opts.scales.y = { auto: false, range: [0, 1] };
      opts.axes[1] = { show: false };
      opts.legend = { show: false };
      var xs = chart.markers.map(function (m) { return m.x; }).sort(function (a, b) { return a - b; });
      return new uPlot(opts, [xs, xs.map(function () { return null; })], host);
    }
    var plot = new uPlot(opts, align(layers), host);
    // One legend entry for the band: hide the row of its upper edge.
    if (high > 0) {
      var rows = plot.root.querySelectorAll('.u-legend .u-series');
      if (rows[high]) rows[high].style.display = 'none';
    }
    return plot;
  }

  // Viridis stops, reversed so that more free blocks is darker.
  var RAMP = [[253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84]];
  function rampColor(f) {
    if (f <= 0) return '#f4f4f4';
    var x = Math.min(1, f) * (RAMP.length - 1);
    var i = Math.min(RAMP.length - 2, Math.floor(x));
    var k = x - i;
    var a = RAMP[i];
    var b = RAMP[i + 1];
    return 'rgb(' + Math.round(a[0] + (b[0] - a[0]) * k) + ',' + Math.round(a[1] + (b[1] - a[1]) * k) + ',' + Math.round(a[2] + (b[2] - a[2]) * k) + ')';
  }

  function heatmapChart(host, chart, width, readout) {
    var hm = chart.heatmap;
    var rows = hm.rows;
    var xs = hm.t;
    var n = rows.length;
    // Colour per row relative to the row's own maximum (log scale): orders differ by orders of
    // magnitude, and what matters is how each one changes over time.
    var rowRange = rows.map(function (r) {
      var lo = Infinity;
      var hi = -Infinity;
      r.v.forEach(function (v) {
        if (v != null && v > 0) {
          var l = Math.log10(1 + v);
          if (l < lo) lo = l;
          if (l > hi) hi = l;
        }
      });
      return [lo, hi];
    });
    /** 0 blocks: grey; else from light (the row's fewest) to dark (the row's most). */
    function cellShade(r, v) {
      if (!(v > 0)) return 0;
      var lo = rowRange[r][0];
      var hi = rowRange[r][1];
      if (!(hi > lo)) return 0.6;
      return 0.08 + 0.92 * (Math.log10(1 + v) - lo) / (hi - lo);
    }
    var fx = fmtX(chart);
    var opts = {
      width: width,
      height: Math.max(180, 24 * n + 70),
      series: [{}, { label: 'order', stroke: 'transparent', points: { show: false } }],
      scales: { x: { time: !!chart.xEpoch }, y: { auto: false, range: [-0.5, n - 0.5] } },
      axes: [xAxis(chart), {
        stroke: '#444',
        grid: { show: false },
        size: 78,
        splits: function () { return rows.map(function (r, i) { return i; }); },
        values: function (u, splits) { return splits.map(function (i) { return rows[i] ? rows[i].label : ''; }); }
      }],
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          for (var r = 0; r < n; r++) {
            var y0 = u.valToPos(r - 0.5, 'y', true);
            var y1 = u.valToPos(r + 0.5, 'y', true);
            var lastCol = -1;
            for (var i = 0; i < xs.length; i++) {
              var x0 = u.valToPos(xs[i], 'x', true);
              var x1 = i + 1 < xs.length ? u.valToPos(xs[i + 1], 'x', true) : x0 + (i > 0 ? x0 - u.valToPos(xs[i - 1], 'x', true) : 4 * DPR);
              var col = Math.floor(x0);
              if (col === lastCol && x1 - x0 < 1) continue;
              lastCol = col;
              var v = rows[r].v[i];
              ctx.fillStyle = v == null ? '#ffffff' : rampColor(cellShade(r, v));
              ctx.fillRect(Math.floor(x0), Math.floor(y1), Math.max(1, Math.ceil(x1) - Math.floor(x0)), Math.ceil(y0) - Math.floor(y1) - 1);
            }
          }
          ctx.restore();
        }],
        setCursor: [function (u) {
          var idx = u.cursor.idx;
          if (idx == null || u.cursor.top == null || u.cursor.top < 0) { readout.textContent = ''; return; }
          var order = Math.round(u.posToVal(u.cursor.top, 'y'));
          var row = rows[order];
          if (!row) { readout.textContent = ''; return; }
          var v = row.v[idx];
          readout.textContent = fx(xs[idx]) + ' · ' + row.label + ': ' + (v == null ? '–' : String(v)) + ' free blocks';
        }]
      }
    };
    if (chart.xEpoch) opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); };
    return new uPlot(opts, [xs, xs.map(function () { return null; })], host);
  }

  function showError(fig, message) {
    var p = document.createElement('p');
    p.className = 'chart-error';
    p.textContent = 'This chart could not be drawn: ' + message;
    fig.appendChild(p);
  }

  function main() {
    var block = document.getElementById('mf-data');
    if (!block) return;
    var model;
    try {
      model = JSON.parse(block.textContent || '{}');
    } catch (e) {
      return;
    }
    var charts = Array.isArray(model.charts) ? model.charts : [];
    charts.forEach(function (c) {
      (c.layers || []).forEach(function (l) { l.t = times(l); });
      if (c.heatmap) c.heatmap.t = times(c.heatmap);
      c.markers = c.markers || [];
    });
    var plots = [];
    var figures = document.querySelectorAll('figure[data-chart]');
    for (var k = 0; k < figures.length; k++) {
      var fig = figures[k];
      var chart = charts[Number(fig.getAttribute('data-chart'))];
      var host = fig.querySelector('.plot');
      if (!chart || !host || typeof uPlot !== 'function') continue;
      try {
        var width = Math.max(320, host.clientWidth || 800);
        var plot;
        if (chart.kind === 'heatmap' && chart.heatmap) {
          var readout = fig.querySelector('.readout');
          plot = heatmapChart(host, chart, width, readout || document.createElement('span'));
        } else {
          plot = lineChart(host, chart, width);
        }
        plots.push({ plot: plot, host: host });
        fig.classList.add('drawn');
      } catch (e) {
        showError(fig, e && e.message ? e.message : String(e));
      }
    }
    var timer = 0;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        plots.forEach(function (p) {
          p.plot.setSize({ width: Math.max(320, p.host.clientWidth || 800), height: p.plot.height });
        });
      }, 150);
    });
    document.documentElement.setAttribute('data-charts-drawn', String(plots.length));
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
