// The browser terminal: draws the screen the server emulates and sends keys,
// paste and size back over a websocket (protocol: src/http/terminal.rs).
(function () {
  "use strict";

  // The 16 base colours, then the 6×6×6 cube and the 24 greys of xterm.
  const BASE = [
    "#1d2330", "#d0544c", "#5fb05f", "#d6a94a", "#4f86d9", "#b46ed0", "#3fb0b8", "#c9ced8",
    "#5b6475", "#f07a70", "#86d486", "#f2cd6e", "#7eaaf0", "#d59af0", "#6fd6dc", "#ffffff",
  ];
  const PALETTE = BASE.slice();
  const level = (n) => (n === 0 ? 0 : 55 + n * 40);
  const hex = (n) => n.toString(16).padStart(2, "0");
  for (let i = 0; i < 216; i++) {
    const r = level(Math.floor(i / 36)), g = level(Math.floor(i / 6) % 6), b = level(i % 6);
    PALETTE.push("#" + hex(r) + hex(g) + hex(b));
  }
  for (let i = 0; i < 24; i++) PALETTE.push("#" + hex(8 + i * 10).repeat(3));

  const RGB = /^#[0-9a-f]{6}$/;
  function colour(c) {
    if (typeof c === "number" && c >= 0 && c < 256) return PALETTE[c];
    if (typeof c === "string" && RGB.test(c)) return c;
    return null;
  }

  const F_KEYS = {
    F1: "P", F2: "Q", F3: "R", F4: "S",
    F5: 15, F6: 17, F7: 18, F8: 19, F9: 20, F10: 21, F11: 23, F12: 24,
  };
  const TILDE_KEYS = { Insert: 2, Delete: 3, PageUp: 5, PageDown: 6 };
  const CURSOR_KEYS = { ArrowUp: "A", ArrowDown: "B", ArrowRight: "C", ArrowLeft: "D", Home: "H", End: "F" };
  const CTRL_SYMBOLS = { "@": 0, " ": 0, "2": 0, "[": 27, "3": 27, "\\": 28, "4": 28, "]": 29, "5": 29, "^": 30, "6": 30, "_": 31, "-": 31, "/": 31, "7": 31, "?": 127, "8": 127 };

  class Terminal {
    constructor(el) {
      this.el = el;
      this.path = el.dataset.terminal;
      // Status texts can be translated with data-status-<name> attributes.
      this.text = (name, fallback) => el.dataset["status" + name[0].toUpperCase() + name.slice(1)] || fallback;
      this.rows = [];
      this.size = [0, 0];
      this.modes = {};
      this.scroll = { offset: 0, max: 0 };
      this.cursor = { row: 0, col: 0, visible: false };
      this.ended = false;
      this.retries = 0;
      this.sent = "";
      this.wheel = 0;
      this.build();
      this.connect();
    }

    build() {
      const el = this.el;
      el.classList.add("term");
      this.screen = document.createElement("div");
      this.screen.className = "term-screen";
      this.screen.setAttribute("aria-hidden", "true");
      this.lines = document.createElement("div");
      this.lines.className = "term-lines";
      this.cursorEl = document.createElement("div");
      this.cursorEl.className = "term-cursor";
      this.measure = document.createElement("div");
      this.measure.className = "term-row term-measure";
      this.measure.textContent = "MMMMMMMMMM";
      this.lines.append(this.cursorEl);
      this.screen.append(this.lines, this.measure);
      const bar = document.createElement("div");
      bar.className = "term-bar";
      this.status = document.createElement("span");
      this.status.className = "term-status";
      this.status.setAttribute("role", "status");
      const hint = document.createElement("span");
      hint.className = "term-hint";
      hint.textContent = this.text("help", "Shift+PgUp: history · Esc, Tab: leave the terminal");
      bar.append(this.status, hint);
      el.replaceChildren(this.screen, bar);
      // The status line takes its height before the first measure.
      this.setStatus(this.text("connecting", "connecting…"), "wait");

      el.addEventListener("keydown", (e) => this.onKey(e));
      el.addEventListener("paste", (e) => this.onPaste(e));
      el.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
      el.addEventListener("mousedown", () => el.focus());
      el.addEventListener("focus", () => el.classList.add("focused"));
      // A copied selection goes, so that the next Ctrl+C interrupts again.
      el.addEventListener("copy", () => setTimeout(() => window.getSelection().removeAllRanges(), 0));
      el.addEventListener("blur", () => el.classList.remove("focused"));
      if (window.ResizeObserver) new ResizeObserver(() => this.fitLater()).observe(this.screen);
      window.addEventListener("resize", () => this.fitLater());
    }

    setStatus(text, kind) {
      this.statusText = text;
      this.status.textContent = text;
      this.status.dataset.kind = kind || "";
    }

    connect() {
      clearTimeout(this.retryTimer);
      const dims = this.measureSize();
      const query = dims ? "?cols=" + dims[1] + "&rows=" + dims[0] : "";
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(scheme + "//" + location.host + this.path + query);
      this.ws = ws;
      this.sent = "";
      this.setStatus(this.text(this.retries ? "reconnecting" : "connecting", this.retries ? "reconnecting…" : "connecting…"), "wait");
      ws.onopen = () => {
        this.setStatus(this.text("connected", "connected"), "ok");
        this.fit();
      };
      ws.onmessage = (e) => {
        let msg;
        try { msg = JSON.parse(e.data); } catch (_) { return; }
        if (msg.type === "frame") {
          this.retries = 0;
          this.draw(msg);
        } else if (msg.type === "exit") {
          this.ended = true;
          this.setStatus(this.text("ended", "session ended — press Enter to start a new shell"), "ended");
        }
      };
      ws.onclose = () => {
        if (this.ws !== ws || this.ended) return;
        this.retries += 1;
        const delay = Math.min(10000, 500 * 2 ** Math.min(this.retries - 1, 5)) * (0.75 + Math.random() / 2);
        this.setStatus(this.text("reconnecting", "reconnecting…"), "wait");
        this.retryTimer = setTimeout(() => this.connect(), delay);
      };
    }

    send(message) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    }

    // Sends text in pieces well under the server's 64 KiB message limit.
    input(data) {
      if (this.scroll.offset > 0) this.scrollTo(0);
      const chars = Array.from(data);
      for (let i = 0; i < chars.length; i += 4096) {
        this.send({ type: "input", data: chars.slice(i, i + 4096).join("") });
      }
    }

    cell() {
      const box = this.measure.getBoundingClientRect();
      return { w: box.width / 10 || 8, h: box.height || 17 };
    }

    // [rows, cols] that fit the element, or null while it is hidden.
    measureSize() {
      const style = getComputedStyle(this.screen);
      const pad = (a, b) => (parseFloat(style[a]) || 0) + (parseFloat(style[b]) || 0);
      const width = this.screen.clientWidth - pad("paddingLeft", "paddingRight");
      const height = this.screen.clientHeight - pad("paddingTop", "paddingBottom");
      if (width <= 0 || height <= 0) return null;
      const c = this.cell();
      return [Math.max(5, Math.floor(height / c.h)), Math.max(10, Math.floor(width / c.w))];
    }

    fitLater() {
      clearTimeout(this.fitTimer);
      this.fitTimer = setTimeout(() => this.fit(), 100);
    }

    fit() {
      const dims = this.measureSize();
      if (!dims) return;
      const key = dims.join("x");
      if (key === this.sent) return;
      this.sent = key;
      this.send({ type: "resize", rows: dims[0], cols: dims[1] });
    }

    draw(frame) {
      const rows = frame.rows | 0, cols = frame.cols | 0;
      if (frame.full || rows !== this.size[0] || cols !== this.size[1]) {
        this.rows = [];
        for (let i = 0; i < rows; i++) {
          const row = document.createElement("div");
          row.className = "term-row";
          this.rows.push(row);
        }
        this.lines.replaceChildren(...this.rows, this.cursorEl);
        this.size = [rows, cols];
      }
      for (const [index, runs] of frame.lines || []) {
        const row = this.rows[index];
        if (row) row.replaceChildren(...runs.map((run) => this.span(run)));
      }
      this.modes = frame.modes || {};
      this.scroll = frame.scroll || { offset: 0, max: 0 };
      this.cursor = frame.cursor || { visible: false };
      this.placeCursor();
      this.showScroll();
    }

    span(run) {
      const span = document.createElement("span");
      span.textContent = run.text;
      let fg = colour(run.fg), bg = colour(run.bg);
      if (run.inverse) [fg, bg] = [bg || "var(--term-bg)", fg || "var(--term-fg)"];
      if (fg) span.style.color = fg;
      if (bg) span.style.backgroundColor = bg;
      if (run.bold) span.style.fontWeight = "bold";
      if (run.dim) span.style.opacity = "0.65";
      if (run.italic) span.style.fontStyle = "italic";
      if (run.underline) span.style.textDecoration = "underline";
      return span;
    }

    placeCursor() {
      const c = this.cell(), cur = this.cursor;
      this.cursorEl.hidden = !cur.visible;
      this.cursorEl.style.width = c.w + "px";
      this.cursorEl.style.height = c.h + "px";
      this.cursorEl.style.transform = "translate(" + cur.col * c.w + "px," + cur.row * c.h + "px)";
    }

    showScroll() {
      if (this.scroll.offset > 0) {
        const where = this.text("scrolled", "history: {n} lines up — type or Shift+PgDn to return");
        this.status.textContent = where.replace("{n}", this.scroll.offset);
        this.status.dataset.kind = "scrolled";
      } else if (this.status.dataset.kind === "scrolled") {
        this.status.textContent = this.statusText;
        this.status.dataset.kind = "ok";
      }
    }

    scrollTo(offset) {
      offset = Math.max(0, Math.min(this.scroll.max, Math.round(offset)));
      if (offset === this.scroll.offset) return;
      this.scroll.offset = offset;
      this.send({ type: "scroll", offset });
    }

    onWheel(e) {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 1 : e.deltaMode === 2 ? this.size[0] : 1 / this.cell().h;
      this.wheel += e.deltaY * unit;
      const lines = Math.trunc(this.wheel);
      if (!lines) return;
      this.wheel -= lines;
      if (this.modes.alt_screen) {
        // Full-screen programs scroll with the arrow keys, as in xterm.
        const key = lines < 0 ? "A" : "B";
        const seq = (this.modes.app_cursor ? "\x1bO" : "\x1b[") + key;
        this.input(seq.repeat(Math.min(Math.abs(lines), 10)));
      } else {
        this.scrollTo(this.scroll.offset - lines);
      }
    }

    onPaste(e) {
      e.preventDefault();
      if (this.ended) return;
      let text = (e.clipboardData || window.clipboardData).getData("text/plain") || "";
      text = text.replace(/\r\n|\n/g, "\r");
      if (this.modes.bracketed_paste) {
        // A pasted end marker must not end the paste early.
        text = "\x1b[200~" + text.replace(/\x1b/g, "") + "\x1b[201~";
      }
      if (text) this.input(text);
    }

    onKey(e) {
      if (e.isComposing || e.keyCode === 229) return;
      // Esc then Tab moves the focus on, so the keyboard is never trapped.
      const escaped = this.lastEscape && Date.now() - this.lastEscape < 1000;
      this.lastEscape = e.key === "Escape" && !e.ctrlKey && !e.altKey ? Date.now() : 0;
      if (e.key === "Tab" && escaped) return;
      if (this.ended) {
        if (e.key === "Enter") {
          e.preventDefault();
          this.ended = false;
          this.retries = 0;
          this.connect();
        }
        return;
      }
      if (e.shiftKey && !this.modes.alt_screen && (e.key === "PageUp" || e.key === "PageDown")) {
        e.preventDefault();
        const page = Math.max(1, this.size[0] - 1);
        this.scrollTo(this.scroll.offset + (e.key === "PageUp" ? page : -page));
        return;
      }
      const seq = this.encode(e);
      if (seq === null) return;
      e.preventDefault();
      this.input(seq);
    }

    hasSelection() {
      const sel = window.getSelection();
      return !sel.isCollapsed && this.el.contains(sel.anchorNode) && String(sel).length > 0;
    }

    // The bytes a key sends, or null to leave it to the browser.
    encode(e) {
      const key = e.key;
      const ctrl = e.ctrlKey, alt = e.altKey, shift = e.shiftKey;
      const mod = 1 + (shift ? 1 : 0) + (alt ? 2 : 0) + (ctrl ? 4 : 0);
      if (e.metaKey) return null; // Cmd shortcuts stay the browser's.
      // Copy and paste: Ctrl+Shift+C/V always, Ctrl+C only with a selection.
      if (ctrl && shift && (key === "C" || key === "V" || key === "c" || key === "v")) return null;
      if (ctrl && !shift && (key === "v" || key === "V")) return null;
      if (ctrl && (key === "c" || key === "C") && this.hasSelection()) return null;

      if (key in CURSOR_KEYS) {
        const final = CURSOR_KEYS[key];
        if (mod > 1) return "\x1b[1;" + mod + final;
        return (this.modes.app_cursor ? "\x1bO" : "\x1b[") + final;
      }
      if (key in TILDE_KEYS) return "\x1b[" + TILDE_KEYS[key] + (mod > 1 ? ";" + mod : "") + "~";
      if (key in F_KEYS) {
        const f = F_KEYS[key];
        if (typeof f === "string") return mod > 1 ? "\x1b[1;" + mod + f : "\x1bO" + f;
        return "\x1b[" + f + (mod > 1 ? ";" + mod : "") + "~";
      }
      const meta = alt && !ctrl ? "\x1b" : "";
      switch (key) {
        case "Enter": return meta + "\r";
        case "Backspace": return meta + (ctrl ? "\x08" : "\x7f");
        case "Tab": return shift ? "\x1b[Z" : "\t";
        case "Escape": return "\x1b";
      }
      if (Array.from(key).length !== 1) return null; // Shift, Control, Dead…
      // Ctrl+Alt is AltGr on some layouts: it types a character.
      if (ctrl && !alt) {
        const upper = key.toUpperCase();
        if (upper >= "A" && upper <= "Z") return String.fromCharCode(upper.charCodeAt(0) - 64);
        if (key in CTRL_SYMBOLS) return String.fromCharCode(CTRL_SYMBOLS[key]);
        return null;
      }
      // Alt+letter is Meta (ESC prefix); Option on a Mac composing a
      // non-ASCII character types that character.
      if (alt && !ctrl && key.charCodeAt(0) < 128) return "\x1b" + key;
      return key;
    }
  }

  for (const el of document.querySelectorAll("[data-terminal]")) new Terminal(el);
})();
