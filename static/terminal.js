// The browser terminal: draws the screen the server emulates and sends keys,
// paste and size back over a websocket (protocol: src/http/terminal.rs).
// Typed text comes through a hidden text field, so that accents, dead keys
// and input methods (composition) work as in any text box; the keys a
// terminal needs beyond text are encoded by terminal-keys.js.
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

  const Keys = window.SandpitTerminalKeys;

  class Terminal {
    // With `replay`, the terminal only draws the frames it is given (see
    // replay.js): no connection, no keys sent, nothing asked on leaving.
    constructor(el, options) {
      this.el = el;
      this.replay = Boolean(options && options.replay);
      this.path = el.dataset.terminal;
      // Status texts can be translated with data-status-<name> attributes.
      this.text = (name, fallback) => el.dataset["status" + name[0].toUpperCase() + name.slice(1)] || fallback;
      this.rows = [];
      this.size = [0, 0];
      this.modes = {};
      this.scroll = { offset: 0, max: 0 };
      this.cursor = { row: 0, col: 0, visible: false };
      this.ended = false;
      // "ended" or "failed" once the sandbox itself is gone: no new shell.
      this.gone = null;
      this.retries = 0;
      this.sent = "";
      this.wheel = 0;
      if (this.replay) {
        this.gone = "replay";
        this.ended = true;
      }
      this.build();
      if (!this.replay) this.connect();
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
      // Where typed text lands, at the cursor (so that an input method's
      // window opens there), with what it composes shown over the cursor.
      this.typing = Keys.textField(el.dataset.label || "Terminal", (text) => this.input(text), () => this.ended);
      this.field = this.typing.field;
      this.compose = this.typing.compose;
      // Rows are redrawn in a box of their own: the focused field must
      // never leave the document (it would lose the focus).
      this.rowsBox = document.createElement("div");
      this.lines.append(this.rowsBox, this.cursorEl, this.field, this.compose);
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
      const full = Keys.fullscreenButton(el, this.text("fullscreen", "Full screen"), this.text("fullscreenTitle", ""), () => this.focus());
      if (full) bar.append(full);
      el.replaceChildren(this.screen, bar);
      Keys.guardLeaving(this.text("leave", "A terminal is open in this page. Leave it?"), () => !this.gone);
      document.addEventListener("sandpit:ended", () => this.goneWith("ended"));
      // A code block's Run button (learner.js) types its text here.
      // It says whether the text went (not while connecting or once gone).
      el.addEventListener("sandpit:type", (e) => {
        if (!e.detail || typeof e.detail.text !== "string") return;
        e.detail.sent = !this.gone && !this.ended && !!this.ws && this.ws.readyState === WebSocket.OPEN;
        if (!e.detail.sent) return;
        this.input(e.detail.text);
        this.focus();
      });
      // The status line takes its height before the first measure.
      this.setStatus(this.text("connecting", "connecting…"), "wait");

      el.addEventListener("keydown", (e) => this.onKey(e));
      el.addEventListener("paste", (e) => this.onPaste(e));
      el.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
      // Clicking focuses the text field, unless it selected text to copy
      // (the focus stays on the element; a character typed moves it on).
      el.addEventListener("mouseup", () => { if (!this.hasSelection()) this.focus(); });
      el.addEventListener("focusin", () => el.classList.add("focused"));
      el.addEventListener("focusout", () => el.classList.remove("focused"));
      // A copied selection goes, so that the next Ctrl+C interrupts again.
      el.addEventListener("copy", () => setTimeout(() => window.getSelection().removeAllRanges(), 0));
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
        } else if (msg.type === "access") {
          // A helper's view: whether the learner lets them type.
          this.access = msg.typing ? "mayType" : "readOnly";
          this.el.dataset.access = this.access;
          this.setStatus(this.text(this.access, msg.typing ? "you may type" : "read only"), msg.typing ? "ok" : "wait");
        } else if (msg.type === "refused") {
          this.setStatus(this.text("refused", "not sent: read only"), "wait");
          clearTimeout(this.refusedTimer);
          this.refusedTimer = setTimeout(() => {
            if (this.access) this.setStatus(this.text(this.access, ""), this.access === "mayType" ? "ok" : "wait");
          }, 3000);
        } else if (msg.type === "exit" && msg.sandbox) {
          this.goneWith(msg.sandbox);
        } else if (msg.type === "exit") {
          this.ended = true;
          this.setStatus(this.text("ended", "shell ended — press Enter to start a new shell"), "ended");
        }
      };
      ws.onclose = () => {
        if (this.ws !== ws || this.ended || this.gone) return;
        this.retries += 1;
        // Refused again and again: the page's link may be over.
        if (this.retries >= 3) this.probe();
        const delay = Math.min(10000, 500 * 2 ** Math.min(this.retries - 1, 5)) * (0.75 + Math.random() / 2);
        this.setStatus(this.text("reconnecting", "reconnecting…"), "wait");
        this.retryTimer = setTimeout(() => this.connect(), delay);
      };
    }

    // The sandbox ended or stopped working: say so, keep the last screen,
    // and let the page lead to what comes next.
    goneWith(kind) {
      if (this.gone) return;
      this.gone = kind === "failed" ? "failed" : "ended";
      this.ended = true;
      clearTimeout(this.retryTimer);
      if (this.ws) this.ws.close();
      const failed = this.gone === "failed";
      this.setStatus(failed
        ? this.text("sandboxFailed", "this sandbox stopped working: reload the page to see what to do")
        : this.text("sandboxEnded", "this sandbox has ended: nothing more runs in it"), "ended");
      this.el.dispatchEvent(new CustomEvent("sandpit:sandbox-gone", { bubbles: true, detail: { kind: this.gone } }));
    }

    async probe() {
      // Only a learner's own terminal has a /progress beside it.
      if (!/^\/s\/[^/]+\/terminal$/.test(this.path)) return;
      try {
        const progress = this.path.replace(/\/terminal$/, "/progress");
        const response = await fetch(progress, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.status === 410) this.goneWith("ended");
      } catch (e) { /* offline: keep trying */ }
    }

    focus() {
      this.field.focus({ preventScroll: true });
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
        this.rowsBox.replaceChildren(...this.rows);
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
      const at = "translate(" + cur.col * c.w + "px," + cur.row * c.h + "px)";
      this.cursorEl.style.transform = at;
      this.field.style.transform = at;
      this.compose.style.transform = at;
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
      if (e.isComposing || this.typing.composing() || e.keyCode === 229) return;
      // Esc then Tab moves the focus on, so the keyboard is never trapped.
      const escaped = this.lastEscape && Date.now() - this.lastEscape < 1000;
      this.lastEscape = e.key === "Escape" && !e.ctrlKey && !e.altKey ? Date.now() : 0;
      if (e.key === "Tab" && escaped) return;
      if (this.ended) {
        if (e.key === "Enter" && !this.gone) {
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
      const seq = Keys.encode(e, this.modes, this.hasSelection());
      if (seq === null) {
        // With the focus on the element itself (after a selection, or put
        // there by a script) no text field gets the character: it is sent
        // from here, and the focus goes back to the field. Ctrl alone is a
        // shortcut (Ctrl+C copying the selection): it stays.
        if (e.target === this.field || e.metaKey || (e.ctrlKey && !e.altKey)) return;
        if (Array.from(e.key).length === 1) {
          e.preventDefault();
          this.input(e.key);
        }
        this.focus();
        return;
      }
      e.preventDefault();
      this.input(seq);
    }

    hasSelection() {
      const sel = window.getSelection();
      return !sel.isCollapsed && this.screen.contains(sel.anchorNode) && String(sel).length > 0;
    }
  }

  window.SandpitTerminal = Terminal;
  for (const el of document.querySelectorAll("[data-terminal]")) new Terminal(el);
})();
