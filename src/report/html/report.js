// logweave HTML report. Vanilla JS, no network. Every string that comes from the data is
// inserted with textContent or setAttribute, never parsed as markup.
(function () {
  "use strict";

  var PAGE_SIZE = 50;
  var LANES = ["proxy", "server", "middleware", "consumer", "layer", "process"];
  var LANE_COLORS = {
    proxy: "#4c6ef5",
    server: "#1098ad",
    middleware: "#ae3ec9",
    consumer: "#37b24d",
    layer: "#f76707",
    process: "#868e96"
  };
  var VERDICTS = ["broken", "degraded", "open", "healthy"];
  var VERDICT_COLORS = {
    broken: "#e03131",
    degraded: "#e8890c",
    open: "#1c7ed6",
    healthy: "#2f9e44"
  };
  var SEV_COLORS = { error: "#e03131", warning: "#e8890c", info: "#1c7ed6" };
  // Short name, then what it means.
  var CLOSE_CODES = {
    "1000": ["normal", "normal closure"],
    "1001": ["going away", "going away: page closed or server shutting down"],
    "1002": ["protocol error", "protocol error"],
    "1003": ["unsupported", "unsupported data"],
    "1005": ["no status", "no status received: closed without a code (uvicorn: the client vanished)"],
    "1006": ["abnormal", "abnormal closure: no close frame (dropped, or closed before accept)"],
    "1007": ["bad payload", "invalid frame payload data"],
    "1008": ["policy", "policy violation"],
    "1009": ["too big", "message too big"],
    "1010": ["extension", "mandatory extension missing"],
    "1011": ["server error", "internal server error (an exception, or the channel layer failed)"],
    "1012": ["restart", "service restart"],
    "1013": ["try later", "try again later"],
    "1014": ["bad gateway", "bad gateway"],
    "1015": ["TLS", "TLS handshake failed"]
  };

  var root = document.documentElement;
  var SVGNS = document.getElementById("svg-ns").namespaceURI;

  function countError() {
    if (typeof window.lwCountError === "function") {
      window.lwCountError();
    }
  }

  // ---- small DOM helpers -------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) {
        continue;
      }
      parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return parent;
  }

  function clear(e) {
    while (e.firstChild) {
      e.removeChild(e.firstChild);
    }
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) {
          e.setAttribute(k, String(attrs[k]));
        }
      }
    }
    return e;
  }

  function stext(x, y, text, attrs) {
    var t = svg("text", attrs);
    t.setAttribute("x", String(x));
    t.setAttribute("y", String(y));
    t.textContent = String(text);
    return t;
  }

  function tip(node, text) {
    var t = svg("title");
    t.textContent = String(text);
    node.appendChild(t);
    return node;
  }

  function num(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function plural(n, one, many) {
    return num(n) + " " + (n === 1 ? one : many || one + "s");
  }

  function firstLine(s) {
    var i = s.indexOf("\n");
    return i < 0 ? s : s.slice(0, i);
  }

  function clip(s, n) {
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }

  function baseName(p) {
    var i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
    return i < 0 ? p : p.slice(i + 1);
  }

  // ---- time ----------------------------------------------------------------------------

  function ms(ts) {
    if (!ts) {
      return null;
    }
    var v = Date.parse(String(ts).replace(/(\.\d{3})\d+/, "$1"));
    return isNaN(v) ? null : v;
  }

  function iso(t) {
    return new Date(t).toISOString();
  }

  function clock(t) {
    return iso(t).slice(11, 23);
  }

  function dur(d) {
    if (d < 1000) {
      return Math.round(d) + " ms";
    }
    if (d < 60000) {
      return (d / 1000).toFixed(d < 10000 ? 2 : 1).replace(/\.?0+$/, "") + " s";
    }
    if (d < 3600000) {
      var sec = Math.round((d % 60000) / 1000);
      return Math.floor(d / 60000) + " min" + (sec ? " " + sec + " s" : "");
    }
    if (d < 172800000) {
      var min = Math.round((d % 3600000) / 60000);
      return Math.floor(d / 3600000) + " h" + (min ? " " + min + " min" : "");
    }
    return Math.round(d / 86400000) + " days";
  }

  // ---- data ----------------------------------------------------------------------------

  var R = JSON.parse(byId("logweave-report").textContent);
  var X = JSON.parse(byId("logweave-extra").textContent);
  var conns = R.connections || [];
  var findings = R.findings || [];
  var S = R.summary || {};

  var connById = {};
  var findingsOf = {};
  conns.forEach(function (c, i) {
    c._i = i;
    c._start = ms(c.start);
    c._end = ms(c.end);
    c._path = (c.path || "").toLowerCase();
    c._who = ((c.user || "") + "\u0000" + (c.client || "")).toLowerCase();
    connById[c.id] = c;
  });
  findings.forEach(function (f, fi) {
    f._i = fi;
    f._ts = ms(f.ts);
    f._keys = {};
    (f.evidence || []).forEach(function (e) {
      f._keys[e.input + ":" + e.line] = true;
    });
    (f.connections || []).forEach(function (id) {
      (findingsOf[id] = findingsOf[id] || []).push(f);
    });
  });

  var lineIndex = null;
  // The text of an evidence line: from its connection's events or from the extra block.
  function lineAt(key) {
    if (X.lines && Object.prototype.hasOwnProperty.call(X.lines, key)) {
      return X.lines[key];
    }
    if (lineIndex === null) {
      lineIndex = {};
      conns.forEach(function (c) {
        c.events.forEach(function (e) {
          var k = e.input + ":" + e.line;
          if (!Object.prototype.hasOwnProperty.call(lineIndex, k)) {
            lineIndex[k] = e;
          }
        });
      });
    }
    return Object.prototype.hasOwnProperty.call(lineIndex, key) ? lineIndex[key] : null;
  }

  function ruleInfo(id) {
    return (X.rules && Object.prototype.hasOwnProperty.call(X.rules, id) && X.rules[id]) || null;
  }

  // ---- state (kept in the URL fragment so a view can be shared) -----------------------

  var failing = (S.broken || 0) + (S.degraded || 0);
  var state = { v: failing > 0 ? "failing" : "all", rule: "", path: "", user: "", page: 1 };

  function readHash() {
    var h0 = location.hash.replace(/^#/, "");
    if (!h0) {
      return;
    }
    var p = new URLSearchParams(h0);
    var v = p.get("v");
    if (v && (v === "all" || v === "failing" || VERDICTS.indexOf(v) >= 0)) {
      state.v = v;
    }
    state.rule = p.get("rule") || "";
    state.path = p.get("path") || "";
    state.user = p.get("user") || "";
    var pg = parseInt(p.get("page") || "1", 10);
    state.page = isNaN(pg) || pg < 1 ? 1 : pg;
  }

  function writeHash() {
    var p = new URLSearchParams();
    p.set("v", state.v);
    if (state.rule) {
      p.set("rule", state.rule);
    }
    if (state.path) {
      p.set("path", state.path);
    }
    if (state.user) {
      p.set("user", state.user);
    }
    if (state.page > 1) {
      p.set("page", String(state.page));
    }
    try {
      history.replaceState(null, "", "#" + p.toString());
    } catch (e) {
      // Some browsers refuse history changes on file:// pages: the view just isn't kept.
    }
  }

  function matches(c) {
    if (state.v === "failing") {
      if (c.verdict !== "broken" && c.verdict !== "degraded") {
        return false;
      }
    } else if (state.v !== "all" && c.verdict !== state.v) {
      return false;
    }
    if (state.rule && c.rules.indexOf(state.rule) < 0) {
      return false;
    }
    if (state.path && c._path.indexOf(state.path.toLowerCase()) < 0) {
      return false;
    }
    if (state.user && c._who.indexOf(state.user.toLowerCase()) < 0) {
      return false;
    }
    return true;
  }

  function setFilter(changes) {
    for (var k in changes) {
      if (Object.prototype.hasOwnProperty.call(changes, k)) {
        state[k] = changes[k];
      }
    }
    state.page = 1;
    refresh();
  }

  // ---- header, tiles -------------------------------------------------------------------

  function renderHeader() {
    var inputs = R.inputs || [];
    var lines = 0;
    var unparsed = 0;
    inputs.forEach(function (i) {
      lines += i.lines;
      unparsed += i.unparsed;
    });
    var s = plural(inputs.length, "input") + " · " + plural(lines, "line");
    if (unparsed > 0) {
      s += " (" + num(unparsed) + " not parsed)";
    }
    byId("inputs-line").textContent = s;
  }

  var tileEls = {};
  function renderTiles() {
    var box = byId("tiles");
    clear(box);
    var defs = [
      ["all", "connections", S.connections || 0],
      ["failing", "broken or degraded", failing],
      ["broken", "broken", S.broken || 0],
      ["degraded", "degraded", S.degraded || 0],
      ["open", "open at the end", S.open || 0],
      ["healthy", "healthy", S.healthy || 0]
    ];
    defs.forEach(function (d) {
      var b = h("button", "tile t-" + d[0]);
      b.type = "button";
      b.title = "Show " + (d[0] === "all" ? "all connections" : d[1] + " connections");
      add(b, h("span", "n", num(d[2])), h("span", "l", d[1]));
      b.addEventListener("click", function () {
        setFilter({ v: d[0], rule: "" });
        byId("connections").scrollIntoView();
      });
      tileEls[d[0]] = b;
      box.appendChild(b);
    });
    var f = h("div", "tile static");
    add(f, h("span", "n", num(findings.length)), h("span", "l", "findings"));
    box.appendChild(f);
  }

  function syncTiles() {
    for (var k in tileEls) {
      if (Object.prototype.hasOwnProperty.call(tileEls, k)) {
        tileEls[k].classList.toggle("active", k === state.v && !state.rule);
      }
    }
  }

  // ---- charts --------------------------------------------------------------------------

  var chartWidths = {};

  function panel(title, id) {
    var p = h("div", "panel");
    p.id = id;
    add(p, h("h3", null, title));
    byId("charts").appendChild(p);
    return p;
  }

  // Horizontal bars: rows of {label, value, color, title, key}; onClick(key).
  function barChart(p, rows, width, onClick, activeKey) {
    if (rows.length === 0) {
      return;
    }
    var rowH = 22;
    var maxLabel = 0;
    rows.forEach(function (r) {
      maxLabel = Math.max(maxLabel, r.label.length);
    });
    var labelW = Math.min(Math.round(maxLabel * 6.9) + 12, Math.round(width * 0.55));
    var maxV = 0;
    rows.forEach(function (r) {
      maxV = Math.max(maxV, r.value);
    });
    var barW = width - labelW - 48;
    var g = svg("svg", {
      width: width,
      height: rows.length * rowH + 2,
      viewBox: "0 0 " + width + " " + (rows.length * rowH + 2),
      role: "img"
    });
    rows.forEach(function (r, i) {
      var y = i * rowH;
      var row = svg("g", { class: "bar-row" + (r.key === activeKey ? " active" : "") });
      row.appendChild(svg("rect", { class: "bar-bg", x: 0, y: y, width: width, height: rowH, fill: "transparent", rx: 3 }));
      row.appendChild(
        stext(labelW - 8, y + 15, clip(r.label, Math.floor((labelW - 8) / 6.9)), {
          "text-anchor": "end",
          "font-family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
          "font-size": 11.5,
          fill: "#1f2328"
        })
      );
      var w = maxV > 0 ? Math.max(2, (r.value / maxV) * barW) : 0;
      row.appendChild(svg("rect", { x: labelW, y: y + 4, width: w.toFixed(1), height: rowH - 8, rx: 2, fill: r.color }));
      row.appendChild(stext(labelW + w + 6, y + 15, num(r.value), { "font-size": 11.5, fill: "#57606a" }));
      tip(row, r.title);
      if (onClick) {
        row.addEventListener("click", function () {
          onClick(r.key);
        });
      } else {
        row.setAttribute("style", "cursor: default");
      }
      g.appendChild(row);
    });
    p.appendChild(g);
  }

  function renderRuleChart(p, width) {
    var rules = S.rules || {};
    var rows = Object.keys(rules).map(function (id) {
      var info = ruleInfo(id);
      var sev = info ? info.severity : "error";
      return {
        key: id,
        label: id,
        value: rules[id],
        color: SEV_COLORS[sev] || SEV_COLORS.error,
        title: id + " (" + sev + "): " + plural(rules[id], "finding") + (info && info.what ? "\n" + info.what : "") + "\nClick to show its connections."
      };
    });
    rows.sort(function (a, b) {
      return b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    });
    if (rows.length === 0) {
      p.appendChild(h("div", "chart-empty", "No findings."));
      return;
    }
    barChart(
      p,
      rows,
      width,
      function (key) {
        setFilter({ v: "all", rule: state.rule === key ? "" : key });
      },
      state.rule
    );
    var lg = h("div", "legend");
    ["error", "warning", "info"].forEach(function (s) {
      var it = h("span");
      var sw = h("i");
      sw.style.background = SEV_COLORS[s];
      add(it, sw, s);
      lg.appendChild(it);
    });
    p.appendChild(lg);
  }

  function closeColor(code) {
    var n = parseInt(code, 10);
    if (n === 1000 || n === 1001) {
      return VERDICT_COLORS.healthy;
    }
    if (n >= 4000) {
      return "#7048e8";
    }
    if (n === 1005 || n === 1006 || n === 1011 || n === 1012 || n === 1014) {
      return VERDICT_COLORS.broken;
    }
    return VERDICT_COLORS.degraded;
  }

  // The short name of a close code (long: its meaning).
  function closeName(code, long) {
    var n = parseInt(code, 10);
    if (Object.prototype.hasOwnProperty.call(CLOSE_CODES, code)) {
      return CLOSE_CODES[code][long ? 1 : 0];
    }
    if (n >= 4000 && n <= 4999) {
      return long ? "application-defined code (sent by the consumer's close(code))" : "application";
    }
    return "";
  }

  function renderCloseChart(p, width) {
    var codes = S.close_codes || {};
    var rows = Object.keys(codes).map(function (code) {
      var name = closeName(code);
      return {
        key: code,
        label: code + (name ? " " + name : ""),
        value: codes[code],
        color: closeColor(code),
        title: code + (name ? " — " + closeName(code, true) : "") + ": " + plural(codes[code], "connection")
      };
    });
    rows.sort(function (a, b) {
      return parseInt(a.key, 10) - parseInt(b.key, 10);
    });
    if (rows.length === 0) {
      p.appendChild(h("div", "chart-empty", "No close codes in the logs."));
      return;
    }
    barChart(p, rows, width, null, null);
    var noCode = conns.length - rows.reduce(function (a, r) {
      return a + r.value;
    }, 0);
    if (noCode > 0) {
      p.appendChild(h("div", "legend", plural(noCode, "connection") + " without a close code in the logs"));
    }
  }

  var BIN_SIZES = [
    1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5,
    864e5, 1728e5, 6048e5, 2592e6, 7776e6, 31536e6
  ];

  function axisLabel(t, size, span) {
    var s = iso(t);
    if (span >= 1728e6) {
      return s.slice(0, 10);
    }
    if (span >= 864e5) {
      return s.slice(5, 10) + " " + s.slice(11, 16);
    }
    return size < 6e4 ? s.slice(11, 19) : s.slice(11, 16);
  }

  function renderTimeChart(p, width) {
    var timed = conns.filter(function (c) {
      return c._start !== null;
    });
    if (timed.length === 0) {
      p.appendChild(h("div", "chart-empty", "No timestamps: the connections cannot be placed in time."));
      return;
    }
    var t0 = Infinity;
    var t1 = -Infinity;
    timed.forEach(function (c) {
      t0 = Math.min(t0, c._start);
      t1 = Math.max(t1, c._start);
    });
    var target = Math.max(10, Math.min(60, Math.floor(width / 12)));
    var span = Math.max(t1 - t0, 1);
    var size = BIN_SIZES[BIN_SIZES.length - 1];
    for (var i = 0; i < BIN_SIZES.length; i++) {
      if (BIN_SIZES[i] * target >= span) {
        size = BIN_SIZES[i];
        break;
      }
    }
    var b0 = Math.floor(t0 / size) * size;
    var nb = Math.floor((t1 - b0) / size) + 1;
    var bins = [];
    for (var j = 0; j < nb; j++) {
      bins.push({ broken: 0, degraded: 0, open: 0, healthy: 0, total: 0 });
    }
    timed.forEach(function (c) {
      var b = bins[Math.min(nb - 1, Math.floor((c._start - b0) / size))];
      b[c.verdict] = (b[c.verdict] || 0) + 1;
      b.total += 1;
    });
    var maxN = 0;
    bins.forEach(function (b) {
      maxN = Math.max(maxN, b.total);
    });
    var H = 150;
    var left = 34;
    var top = 8;
    var plotH = 104;
    var plotW = width - left - 4;
    var bw = plotW / nb;
    var g = svg("svg", { width: width, height: H, viewBox: "0 0 " + width + " " + H, role: "img" });
    g.appendChild(svg("line", { x1: left, y1: top + plotH + 0.5, x2: width, y2: top + plotH + 0.5, stroke: "#d0d7de" }));
    g.appendChild(stext(left - 5, top + 8, num(maxN), { "text-anchor": "end", "font-size": 10.5, fill: "#656d76" }));
    g.appendChild(stext(left - 5, top + plotH, "0", { "text-anchor": "end", "font-size": 10.5, fill: "#656d76" }));
    g.appendChild(svg("line", { x1: left, y1: top + 0.5, x2: width, y2: top + 0.5, stroke: "#eaeef2", "stroke-dasharray": "2 3" }));
    bins.forEach(function (b, k) {
      if (b.total === 0) {
        return;
      }
      var x = left + k * bw;
      var y = top + plotH;
      var col = svg("g");
      VERDICTS.forEach(function (v) {
        if (!b[v]) {
          return;
        }
        var hh = (b[v] / maxN) * plotH;
        y -= hh;
        col.appendChild(
          svg("rect", {
            x: (x + Math.min(1, bw * 0.1)).toFixed(2),
            y: y.toFixed(2),
            width: Math.max(1, bw - Math.min(2, bw * 0.2)).toFixed(2),
            height: hh.toFixed(2),
            fill: VERDICT_COLORS[v]
          })
        );
      });
      var parts = VERDICTS.filter(function (v) {
        return b[v];
      }).map(function (v) {
        return num(b[v]) + " " + v;
      });
      tip(col, iso(b0 + k * size).slice(0, 19).replace("T", " ") + " + " + dur(size) + ": " + plural(b.total, "connection") + " (" + parts.join(", ") + ")");
      g.appendChild(col);
    });
    // Findings that span connections (storms, restarts) as markers under the axis.
    findings.forEach(function (f) {
      if (f.connections.length === 1 || f._ts === null || f._ts < b0 || f._ts > b0 + nb * size) {
        return;
      }
      var x = left + ((f._ts - b0) / (nb * size)) * plotW;
      var y = top + plotH + 3;
      var m = svg("path", {
        d: "M" + x.toFixed(1) + " " + y + " l4 7 h-8 z",
        fill: SEV_COLORS[f.severity] || "#57606a"
      });
      tip(m, f.rule + " at " + iso(f._ts).slice(11, 19) + ": " + f.diagnosis);
      g.appendChild(m);
    });
    var ly = top + plotH + 24;
    var span2 = nb * size;
    g.appendChild(stext(left, ly, axisLabel(b0, size, span2), { "font-size": 10.5, fill: "#656d76" }));
    g.appendChild(stext(left + plotW / 2, ly, axisLabel(b0 + span2 / 2, size, span2), { "font-size": 10.5, fill: "#656d76", "text-anchor": "middle" }));
    g.appendChild(stext(width - 2, ly, axisLabel(b0 + span2, size, span2), { "font-size": 10.5, fill: "#656d76", "text-anchor": "end" }));
    p.appendChild(g);
    var lg = h("div", "legend");
    VERDICTS.forEach(function (v) {
      var it = h("span");
      var sw = h("i");
      sw.style.background = VERDICT_COLORS[v];
      add(it, sw, v);
      lg.appendChild(it);
    });
    add(lg, h("span", null, "bins of " + dur(size) + ", UTC" + (timed.length < conns.length ? "; " + num(conns.length - timed.length) + " without a time" : "")));
    p.appendChild(lg);
  }

  function renderCharts() {
    var box = byId("charts");
    clear(box);
    var pr = panel("Findings by rule", "chart-rules");
    var pc = panel("Close codes", "chart-close");
    var pt = panel("Connections over time, by verdict", "chart-time");
    chartWidths.rules = pr.clientWidth - 28;
    chartWidths.close = pc.clientWidth - 28;
    chartWidths.time = pt.clientWidth - 28;
    renderRuleChart(pr, Math.max(220, chartWidths.rules));
    renderCloseChart(pc, Math.max(200, chartWidths.close));
    renderTimeChart(pt, Math.max(260, chartWidths.time));
  }

  // ---- findings across connections --------------------------------------------------

  function renderWide() {
    var wide = findings.filter(function (f) {
      return f.connections.length !== 1;
    });
    var box = byId("wide");
    clear(box);
    if (wide.length === 0) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    add(box, h("h2", null, "Across connections"));
    wide.forEach(function (f) {
      var it = h("div", "wide-item");
      it.style.borderLeftColor = SEV_COLORS[f.severity] || "#8c959f";
      var head = h("div", "fh");
      add(head, h("span", "badge " + f.severity, f.severity), h("code", null, f.rule));
      if (f._ts !== null) {
        add(head, h("span", "chip", iso(f._ts).slice(0, 19).replace("T", " ") + " UTC"));
      }
      var n = f.connections.length;
      if (n > 0) {
        var b = h("button", null, "show " + plural(n, "connection"));
        b.type = "button";
        b.className = "rule-chip";
        b.style.cursor = "pointer";
        b.addEventListener("click", function () {
          setFilter({ v: "all", rule: f.rule });
          byId("connections").scrollIntoView();
        });
        head.appendChild(b);
      } else {
        add(head, h("span", "chip", "no connection in the logs"));
      }
      add(it, head, h("p", null, f.diagnosis));
      var hint = h("p", "hint");
      add(hint, h("b", null, "Fix"), f.hint);
      it.appendChild(hint);
      var ev = f.evidence || [];
      ev.slice(0, 20).forEach(function (e) {
        var key = e.input + ":" + e.line;
        var l = lineAt(key);
        var pre = h("pre", null, baseName(e.input) + ":" + e.line + "  " + (l ? firstLine(l.text) : "(line not kept)"));
        pre.title = key;
        it.appendChild(pre);
      });
      if (ev.length > 20) {
        it.appendChild(h("p", "quiet", "… and " + num(ev.length - 20) + " more evidence lines"));
      }
      box.appendChild(it);
    });
  }

  // ---- one connection ------------------------------------------------------------------

  function laneColor(stage) {
    return LANE_COLORS[stage] || "#495057";
  }

  function evKey(e) {
    return e.input + ":" + e.line;
  }

  // Positions along x: by time, at least `gap` apart in time order, scaled into [x0, x1].
  function positions(events, x0, x1) {
    var n = events.length;
    var span = x1 - x0;
    var ts = events.map(function (e) {
      return ms(e.ts);
    });
    var t0 = Infinity;
    var t1 = -Infinity;
    ts.forEach(function (t) {
      if (t !== null) {
        t0 = Math.min(t0, t);
        t1 = Math.max(t1, t);
      }
    });
    var xs = new Array(n);
    var order = [];
    for (var i = 0; i < n; i++) {
      order.push(i);
    }
    if (!(t1 > t0)) {
      // No times, or all the same: line order, evenly spaced.
      var step = n > 1 ? Math.min(span / (n - 1), 90) : 0;
      for (var k = 0; k < n; k++) {
        xs[k] = x0 + (n > 1 ? step * k : Math.min(span / 2, 40));
      }
      return { xs: xs, t0: t1 === t0 ? t0 : null, t1: null, timed: false };
    }
    var raw = new Array(n);
    var prev = 0;
    for (var a = 0; a < n; a++) {
      raw[a] = ts[a] === null ? prev : ((ts[a] - t0) / (t1 - t0)) * span;
      prev = raw[a];
    }
    order.sort(function (p, q) {
      return raw[p] - raw[q] || p - q;
    });
    var gap = Math.min(14, span / Math.max(1, n));
    var last = -Infinity;
    order.forEach(function (idx) {
      var x = Math.max(x0 + raw[idx], last + gap);
      xs[idx] = x;
      last = x;
    });
    if (last > x1) {
      var f = span / (last - x0);
      for (var b = 0; b < n; b++) {
        xs[b] = x0 + (xs[b] - x0) * f;
      }
    }
    return { xs: xs, t0: t0, t1: t1, timed: true };
  }

  function card(c) {
    var own = [];
    var wide = [];
    (findingsOf[c.id] || []).forEach(function (f) {
      (f.connections.length === 1 ? own : wide).push(f);
    });
    var SEV_ORDER = { error: 0, warning: 1, info: 2 };
    own.sort(function (a, b) {
      return (SEV_ORDER[a.severity] || 0) - (SEV_ORDER[b.severity] || 0) || a._i - b._i;
    });
    var ownKeys = {};
    var wideKeys = {};
    own.forEach(function (f) {
      for (var k in f._keys) {
        ownKeys[k] = true;
      }
    });
    wide.forEach(function (f) {
      for (var k in f._keys) {
        wideKeys[k] = true;
      }
    });

    var el = h("article", "conn v-" + c.verdict);
    el.setAttribute("data-id", c.id);

    // Head.
    var head = h("div", "conn-head");
    add(head, h("span", "badge " + c.verdict, c.verdict), h("span", "conn-id", c.id), h("span", "conn-path", c.path || "(no path)"));
    function chip(label, value) {
      var s = h("span", "chip");
      add(s, label + " ", h("b", null, value));
      head.appendChild(s);
      return s;
    }
    if (c.user) {
      chip("user", c.user);
    }
    if (c.client) {
      chip("client", c.client);
    }
    if (c.close_code !== null && c.close_code !== undefined) {
      var code = String(c.close_code);
      var cn = closeName(code);
      chip("close", code + (cn ? " " + cn : "")).title = code + (cn ? ": " + closeName(code, true) : "");
    }
    if (c._start !== null) {
      chip("start", iso(c._start).slice(0, 23).replace("T", " "));
      if (c._end !== null && c._end >= c._start) {
        // Whole-second timestamps cannot tell 0 ms from 900 ms.
        var coarse = !/\.\d/.test(c.start) && !/\.\d/.test(c.end || "");
        chip("lasted", coarse && c._end - c._start < 1000 ? "< 1 s" : dur(c._end - c._start));
      }
    }
    el.appendChild(head);

    // Body: timeline beside the diagnosis.
    var body = h("div", "conn-body");
    var tl = h("div", "timeline");
    var diag = h("div", "diag");
    own.forEach(function (f) {
      var d = h("div", "finding");
      var fh = h("div", "fh");
      add(fh, h("span", "badge " + f.severity, f.severity), h("code", null, f.rule));
      var hint = h("p", "hint");
      add(hint, h("b", null, "Fix"), f.hint);
      add(d, fh, h("p", null, f.diagnosis), hint);
      diag.appendChild(d);
    });
    wide.forEach(function (f) {
      var d = h("div", "finding wide-ref");
      var fh = h("div", "fh");
      add(fh, "part of ", h("code", null, f.rule), " (" + plural(f.connections.length, "connection") + ")");
      add(d, fh, h("p", null, f.diagnosis));
      diag.appendChild(d);
    });
    if (own.length === 0 && wide.length === 0) {
      var msg = {
        healthy: "No finding: the connection went through the steps its pack expects.",
        open: "Still open at the end of the logs: a step is awaited and no deadline has passed.",
        degraded: "Degraded.",
        broken: "Broken."
      }[c.verdict];
      diag.appendChild(h("p", "quiet", msg || ""));
    }
    // Left: the timeline, the selected line under it, then every line (built when opened).
    var left = h("div", "conn-main");
    var detail = h("div", "detail");
    var lines = h("details", "lines");
    lines.appendChild(h("summary", null, "all " + plural(c.events.length, "line")));
    add(left, tl, detail, lines);
    add(body, left, diag);
    el.appendChild(body);

    var marks = [];
    var rows = [];
    var selected = -1;

    function select(i) {
      if (marks[selected]) {
        marks[selected].classList.remove("sel");
      }
      if (rows[selected]) {
        rows[selected].classList.remove("sel");
      }
      selected = i;
      if (marks[i]) {
        marks[i].classList.add("sel");
      }
      if (rows[i]) {
        rows[i].classList.add("sel");
      }
      showDetail(i);
    }

    function showDetail(i) {
      clear(detail);
      var e = c.events[i];
      if (!e) {
        detail.appendChild(h("div", "meta", "Click a mark to see its line."));
        return;
      }
      var meta = h("div", "meta");
      var t = ms(e.ts);
      add(meta, h("span", "mono", t === null ? "no time" : clock(t)));
      var st = h("span", "stage-tag", e.stage);
      st.style.background = laneColor(e.stage);
      add(meta, st, h("span", "loc", e.input + ":" + e.line), h("span", "pat", e.pattern), h("span", null, e.link + " link by " + e.key));
      if (ownKeys[evKey(e)]) {
        meta.appendChild(h("span", "flag", "▶ breaking step"));
      } else if (wideKeys[evKey(e)]) {
        meta.appendChild(h("span", "flag", "evidence of a finding across connections"));
      }
      add(detail, meta, h("pre", null, e.text));
    }

    lines.addEventListener("toggle", function () {
      if (!lines.open || lines.getAttribute("data-built")) {
        return;
      }
      lines.setAttribute("data-built", "1");
      var table = h("table");
      c.events.forEach(function (e, i) {
        var tr = h("tr", ownKeys[evKey(e)] ? "ev" : null);
        var t = ms(e.ts);
        var stc = h("td");
        var st = h("span", "stage-tag", e.stage);
        st.style.background = laneColor(e.stage);
        stc.appendChild(st);
        add(tr, h("td", "t", t === null ? "" : clock(t)), stc, h("td", "loc", baseName(e.input) + ":" + e.line), h("td", "txt", e.text));
        tr.title = e.input + ":" + e.line + "  " + e.pattern;
        tr.addEventListener("click", function () {
          select(i);
        });
        rows[i] = tr;
        table.appendChild(tr);
      });
      lines.appendChild(table);
      if (rows[selected]) {
        rows[selected].classList.add("sel");
      }
    });

    // The swimlanes; drawn once the card is in the page and its width is known.
    function draw(W) {
      clear(tl);
      var lanes = LANES.slice();
      c.events.forEach(function (e) {
        if (lanes.indexOf(e.stage) < 0) {
          lanes.push(e.stage);
        }
      });
      var used = {};
      c.events.forEach(function (e) {
        used[e.stage] = true;
      });
      var laneH = 19;
      var top = 20;
      var labelW = 84;
      var Hh = top + lanes.length * laneH + 4;
      var g = svg("svg", { width: W, height: Hh, viewBox: "0 0 " + W + " " + Hh, role: "img" });
      g.setAttribute("aria-label", "Timeline of " + c.id + ": " + plural(c.events.length, "line"));
      lanes.forEach(function (l, i) {
        var y = top + i * laneH;
        if (i % 2 === 0) {
          g.appendChild(svg("rect", { x: 0, y: y, width: W, height: laneH, fill: "#f6f8fa" }));
        }
        g.appendChild(
          stext(8, y + 13.5, l, {
            "font-size": 11.5,
            fill: used[l] ? "#1f2328" : "#afb8c1",
            "font-weight": used[l] ? 600 : 400
          })
        );
        if (used[l]) {
          g.appendChild(svg("rect", { x: 0, y: y + 3, width: 3, height: laneH - 6, fill: laneColor(l) }));
        }
      });
      var x0 = labelW + 10;
      var x1 = W - 14;
      var pos = positions(c.events, x0, x1);
      var laneY = function (stage) {
        return top + lanes.indexOf(stage) * laneH + laneH / 2;
      };
      // Axis labels.
      var axis = { "font-size": 10.5, fill: "#656d76" };
      if (pos.timed) {
        g.appendChild(stext(x0, 13, clock(pos.t0) + " UTC", axis));
        var ra = Object.assign({ "text-anchor": "end" }, axis);
        g.appendChild(stext(x1, 13, "+" + dur(pos.t1 - pos.t0), ra));
      } else if (pos.t0 !== null) {
        g.appendChild(stext(x0, 13, clock(pos.t0) + " UTC · all lines at one time, in line order", axis));
      } else {
        g.appendChild(stext(x0, 13, "no timestamps · in line order", axis));
      }
      // The breaking step: a band at the first own evidence.
      var firstEv = -1;
      c.events.forEach(function (e, i) {
        if (ownKeys[evKey(e)] && (firstEv < 0 || pos.xs[i] < pos.xs[firstEv])) {
          firstEv = i;
        }
      });
      if (firstEv >= 0) {
        g.appendChild(
          svg("line", {
            x1: pos.xs[firstEv].toFixed(1),
            x2: pos.xs[firstEv].toFixed(1),
            y1: top,
            y2: Hh - 4,
            stroke: "#e03131",
            "stroke-opacity": 0.45,
            "stroke-dasharray": "3 3"
          })
        );
      }
      // The path through the lanes, in time order.
      var order = c.events.map(function (e, i) {
        return i;
      });
      order.sort(function (p, q) {
        return pos.xs[p] - pos.xs[q] || p - q;
      });
      if (order.length > 1) {
        var pts = order
          .map(function (i) {
            return pos.xs[i].toFixed(1) + "," + laneY(c.events[i].stage).toFixed(1);
          })
          .join(" ");
        g.appendChild(svg("polyline", { points: pts, fill: "none", stroke: "#adb5bd", "stroke-width": 1.4, "stroke-linejoin": "round" }));
      }
      marks = [];
      c.events.forEach(function (e, i) {
        var x = pos.xs[i];
        var y = laneY(e.stage);
        var isOwn = !!ownKeys[evKey(e)];
        var isWide = !isOwn && !!wideKeys[evKey(e)];
        var m = svg("g", { class: "mark" + (isOwn ? " ev" : ""), tabindex: 0, role: "button" });
        if (isOwn || isWide) {
          m.appendChild(svg("circle", { cx: x.toFixed(1), cy: y, r: 9.5, fill: isOwn ? "#e03131" : "#e8890c", "fill-opacity": 0.2 }));
        }
        m.appendChild(
          svg("circle", {
            class: "dot",
            cx: x.toFixed(1),
            cy: y,
            r: isOwn ? 6 : 5,
            fill: isOwn ? "#e03131" : isWide ? "#e8890c" : laneColor(e.stage),
            stroke: "#ffffff",
            "stroke-width": 1.2
          })
        );
        var t = ms(e.ts);
        tip(m, (t === null ? "" : clock(t) + "  ") + e.stage + "  " + baseName(e.input) + ":" + e.line + "\n" + e.pattern + (isOwn ? "  (breaking step)" : "") + "\n" + clip(e.text, 400));
        m.addEventListener("click", function () {
          select(i);
        });
        m.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            select(i);
          }
        });
        marks[i] = m;
        g.appendChild(m);
      });
      tl.appendChild(g);
      if (marks[selected]) {
        marks[selected].classList.add("sel");
      }
    }

    // Start on the breaking step, else the last line.
    var initial = -1;
    c.events.forEach(function (e, i) {
      if (initial < 0 && ownKeys[evKey(e)]) {
        initial = i;
      }
    });
    if (initial < 0) {
      initial = c.events.length - 1;
    }
    selected = initial;
    showDetail(initial);

    return { el: el, timeline: tl, draw: draw };
  }

  // ---- the list --------------------------------------------------------------------------

  var lastWidth = 0;
  var shownCards = [];

  function pager(box, n, pages) {
    clear(box);
    var from = n === 0 ? 0 : (state.page - 1) * PAGE_SIZE + 1;
    var to = Math.min(n, state.page * PAGE_SIZE);
    var txt = n === 0 ? "No connection matches." : num(from) + "–" + num(to) + " of " + plural(n, "connection");
    if (n !== conns.length) {
      txt += " (of " + num(conns.length) + ")";
    }
    add(box, h("span", "count", txt));
    function btn(label, page, disabled) {
      var b = h("button", null, label);
      b.type = "button";
      b.disabled = disabled;
      b.addEventListener("click", function () {
        state.page = page;
        refresh();
        byId("connections").scrollIntoView();
      });
      return b;
    }
    if (pages > 1) {
      add(
        box,
        btn("« First", 1, state.page === 1),
        btn("‹ Prev", state.page - 1, state.page === 1),
        h("span", null, "page " + num(state.page) + " of " + num(pages)),
        btn("Next ›", state.page + 1, state.page === pages),
        btn("Last »", pages, state.page === pages)
      );
    }
  }

  var ruleSelect;
  var verdictSelect;
  var pathInput;
  var userInput;

  function renderFilters() {
    var box = byId("filters");
    clear(box);
    function labelled(text, control) {
      var l = h("label", null, text);
      l.appendChild(control);
      box.appendChild(l);
      return control;
    }
    verdictSelect = h("select");
    [
      ["failing", "broken or degraded"],
      ["all", "all"],
      ["broken", "broken"],
      ["degraded", "degraded"],
      ["open", "open"],
      ["healthy", "healthy"]
    ].forEach(function (o) {
      var opt = h("option", null, o[1]);
      opt.value = o[0];
      verdictSelect.appendChild(opt);
    });
    labelled("verdict", verdictSelect).addEventListener("change", function () {
      setFilter({ v: verdictSelect.value });
    });
    ruleSelect = h("select");
    var any = h("option", null, "any");
    any.value = "";
    ruleSelect.appendChild(any);
    Object.keys(S.rules || {})
      .sort()
      .forEach(function (r) {
        var opt = h("option", null, r + " (" + num(S.rules[r]) + ")");
        opt.value = r;
        ruleSelect.appendChild(opt);
      });
    labelled("rule", ruleSelect).addEventListener("change", function () {
      setFilter({ rule: ruleSelect.value });
    });
    var timer = null;
    function typed() {
      if (timer !== null) {
        clearTimeout(timer);
      }
      timer = setTimeout(function () {
        timer = null;
        setFilter({ path: pathInput.value, user: userInput.value });
      }, 150);
    }
    pathInput = h("input");
    pathInput.type = "search";
    pathInput.placeholder = "contains, e.g. /ws/chat";
    labelled("path", pathInput).addEventListener("input", typed);
    userInput = h("input");
    userInput.type = "search";
    userInput.placeholder = "user or ip:port";
    labelled("user / client", userInput).addEventListener("input", typed);
    var reset = h("button", null, "Reset");
    reset.type = "button";
    reset.addEventListener("click", function () {
      pathInput.value = "";
      userInput.value = "";
      setFilter({ v: failing > 0 ? "failing" : "all", rule: "", path: "", user: "" });
    });
    box.appendChild(reset);
  }

  function syncFilters() {
    verdictSelect.value = state.v;
    var known = false;
    for (var i = 0; i < ruleSelect.options.length; i++) {
      known = known || ruleSelect.options[i].value === state.rule;
    }
    if (!known) {
      var opt = h("option", null, state.rule + " (0)");
      opt.value = state.rule;
      ruleSelect.appendChild(opt);
    }
    ruleSelect.value = state.rule;
    if (pathInput.value !== state.path) {
      pathInput.value = state.path;
    }
    if (userInput.value !== state.user) {
      userInput.value = state.user;
    }
  }

  function renderList() {
    var sel = [];
    for (var i = 0; i < conns.length; i++) {
      if (matches(conns[i])) {
        sel.push(conns[i]);
      }
    }
    var pages = Math.max(1, Math.ceil(sel.length / PAGE_SIZE));
    if (state.page > pages) {
      state.page = pages;
    }
    var slice = sel.slice((state.page - 1) * PAGE_SIZE, state.page * PAGE_SIZE);
    var list = byId("list");
    clear(list);
    shownCards = slice.map(card);
    shownCards.forEach(function (k) {
      list.appendChild(k.el);
    });
    if (slice.length === 0) {
      list.appendChild(h("div", "empty", conns.length === 0 ? "No WebSocket connections found in these logs." : "No connection matches these filters."));
    }
    drawCards();
    pager(byId("pager-top"), sel.length, pages);
    pager(byId("pager-bottom"), sel.length, pages);
    byId("pager-bottom").hidden = slice.length < 8;
    root.setAttribute("data-shown", String(slice.length));
    root.setAttribute("data-matching", String(sel.length));
    root.setAttribute("data-total", String(conns.length));
    root.setAttribute("data-page", String(state.page));
  }

  function drawCards() {
    if (shownCards.length === 0) {
      return;
    }
    var w = Math.floor(shownCards[0].timeline.clientWidth) - 16;
    lastWidth = w;
    shownCards.forEach(function (k) {
      k.draw(Math.max(320, w));
    });
  }

  function refresh() {
    syncFilters();
    syncTiles();
    renderCharts();
    renderList();
    writeHash();
  }

  // ---- inputs, footer -----------------------------------------------------------------

  function renderInputs() {
    var box = byId("inputs");
    clear(box);
    var inputs = R.inputs || [];
    var d = h("details");
    var lines = 0;
    inputs.forEach(function (i) {
      lines += i.lines;
    });
    add(d, h("summary", null, "Inputs: " + plural(inputs.length, "file") + ", " + plural(lines, "line")));
    var t = h("table");
    var hr = h("tr");
    add(hr, h("th", null, "input"), h("th", null, "format"), h("th", "num", "lines"), h("th", "num", "records"), h("th", "num", "not parsed"), h("th", null, ""));
    t.appendChild(hr);
    inputs.forEach(function (i) {
      var tr = h("tr");
      add(tr, h("td", "mono", i.path), h("td", null, i.format), h("td", "num", num(i.lines)), h("td", "num", num(i.records)), h("td", "num", num(i.unparsed)), h("td", "err", i.error || ""));
      t.appendChild(tr);
    });
    d.appendChild(t);
    box.appendChild(d);
    byId("footer").textContent =
      "Generated by " + X.generator + " · schema " + R.schema + " · " + (X.redacted ? "secrets redacted" : "secrets NOT redacted (--no-redact)") + " · the data is embedded in this file (script#logweave-report) and nothing is fetched from the network.";
  }

  // ---- start -------------------------------------------------------------------------------

  function start() {
    readHash();
    renderHeader();
    renderTiles();
    renderWide();
    renderFilters();
    renderInputs();
    refresh();
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      if (resizeTimer !== null) {
        clearTimeout(resizeTimer);
      }
      resizeTimer = setTimeout(function () {
        resizeTimer = null;
        if (shownCards.length && Math.floor(shownCards[0].timeline.clientWidth) - 16 !== lastWidth) {
          renderCharts();
          drawCards();
        }
      }, 150);
    });
    root.setAttribute("data-state", "ready");
    // Milliseconds from navigation to the first page drawn (data parsed included).
    root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  }

  try {
    start();
  } catch (e) {
    countError();
    root.setAttribute("data-state", "failed");
    var f = byId("fatal");
    f.hidden = false;
    f.textContent = "The report could not be drawn: " + (e && e.message ? e.message : String(e));
  }
})();
