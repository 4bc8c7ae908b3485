// The terminal's keyboard, used by terminal.js: the text field typed text
// arrives through (`input` and composition events, whatever the layout,
// dead key or input method made it), the bytes other keys send (as xterm),
// and what browsers keep for themselves (full screen with Keyboard Lock,
// and a question before a page with a terminal closes).
(function () {
  "use strict";

  const F_KEYS = {
    F1: "P", F2: "Q", F3: "R", F4: "S",
    F5: 15, F6: 17, F7: 18, F8: 19, F9: 20, F10: 21, F11: 23, F12: 24,
  };
  const TILDE_KEYS = { Insert: 2, Delete: 3, PageUp: 5, PageDown: 6 };
  const CURSOR_KEYS = { ArrowUp: "A", ArrowDown: "B", ArrowRight: "C", ArrowLeft: "D", Home: "H", End: "F" };
  const CTRL_SYMBOLS = { "@": 0, " ": 0, "2": 0, "[": 27, "3": 27, "\\": 28, "4": 28, "]": 29, "5": 29, "^": 30, "6": 30, "_": 31, "-": 31, "/": 31, "7": 31, "?": 127, "8": 127 };

  // The letter of a key on its physical position, for Ctrl and Alt
  // combinations on layouts whose `key` is no Latin letter.
  function letter(e) {
    if (Array.from(e.key).length === 1 && /[a-z]/i.test(e.key)) return e.key;
    const m = /^Key([A-Z])$/.exec(e.code || "");
    return m ? m[1].toLowerCase() : e.key;
  }

  // The bytes for a key event, or null to leave it to the browser (and so
  // to the text field, for characters). `modes` are the screen's modes;
  // `selected` says text is selected (Ctrl+C then copies).
  function encode(e, modes, selected) {
    const key = e.key;
    const ctrl = e.ctrlKey, alt = e.altKey, shift = e.shiftKey;
    const mod = 1 + (shift ? 1 : 0) + (alt ? 2 : 0) + (ctrl ? 4 : 0);
    if (e.metaKey) return null; // Cmd shortcuts stay the browser's.
    // Copy and paste: Ctrl+Shift+C/V always, Ctrl+C only with a selection.
    if (ctrl && shift && (key === "C" || key === "V" || key === "c" || key === "v")) return null;
    if (ctrl && !shift && (key === "v" || key === "V")) return null;
    if (ctrl && (key === "c" || key === "C") && selected) return null;

    if (key in CURSOR_KEYS) {
      const final = CURSOR_KEYS[key];
      if (mod > 1) return "\x1b[1;" + mod + final;
      return (modes.app_cursor ? "\x1bO" : "\x1b[") + final;
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
      const upper = letter(e).toUpperCase();
      if (upper.length === 1 && upper >= "A" && upper <= "Z") return String.fromCharCode(upper.charCodeAt(0) - 64);
      if (key in CTRL_SYMBOLS) return String.fromCharCode(CTRL_SYMBOLS[key]);
      return null;
    }
    // Alt+letter is Meta (ESC prefix); Option on a Mac composing a
    // non-ASCII character types that character (through the text field).
    if (alt && !ctrl && key.charCodeAt(0) < 128) return "\x1b" + key;
    return null;
  }

  // The hidden text field typed text lands in: whatever the layout, dead
  // key, input method or paste made of the keys, `send(text)` gets it once
  // (an input method's text when its composition ends), unless `stopped()`.
  // `compose` shows what an input method is composing.
  function textField(label, send, stopped) {
    const field = document.createElement("textarea");
    field.className = "term-input";
    field.setAttribute("aria-label", label);
    for (const [k, v] of Object.entries({ autocapitalize: "off", autocomplete: "off", autocorrect: "off", spellcheck: "false", rows: "1" })) {
      field.setAttribute(k, v);
    }
    const compose = document.createElement("span");
    compose.className = "term-compose";
    compose.hidden = true;
    let composing = false;
    const show = (text) => {
      compose.textContent = text;
      compose.hidden = !text;
    };
    // What the field holds is sent, and the field emptied for the next.
    const take = () => {
      const text = field.value;
      field.value = "";
      if (text && !stopped()) send(text.replace(/\r\n|\n/g, "\r"));
    };
    field.addEventListener("compositionstart", () => { composing = true; });
    field.addEventListener("compositionupdate", (e) => show(e.data || ""));
    field.addEventListener("compositionend", () => {
      composing = false;
      show("");
      take();
    });
    field.addEventListener("input", (e) => {
      if (!e.isComposing && !composing) take();
    });
    // Keyboards that send no key codes (phones and tablets: 229) still
    // say what Backspace and Enter do.
    field.addEventListener("beforeinput", (e) => {
      if (e.isComposing || composing || stopped()) return;
      const seq = { deleteContentBackward: "\x7f", insertLineBreak: "\r", insertParagraph: "\r" }[e.inputType];
      if (!seq || (e.inputType === "deleteContentBackward" && field.value)) return;
      e.preventDefault();
      send(seq);
    });
    return { field, compose, composing: () => composing };
  }

  // A button that puts the terminal in full screen and, where the browser
  // has the Keyboard Lock API (Chrome, Edge), takes the keys a normal
  // window keeps for itself (Ctrl+W, Ctrl+N, Ctrl+T…) for the terminal.
  // Holding Esc leaves. None where full screen is not to be had.
  function fullscreenButton(el, label, title, refocus) {
    if (!el.requestFullscreen) return null;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "term-full";
    button.textContent = label;
    button.setAttribute("aria-pressed", "false");
    if (title) button.title = title;
    const keyboard = navigator.keyboard;
    button.addEventListener("click", async () => {
      try {
        if (document.fullscreenElement === el) {
          await document.exitFullscreen();
        } else {
          await el.requestFullscreen({ navigationUI: "hide" });
          if (keyboard && keyboard.lock) await keyboard.lock();
        }
      } catch (e) { /* refused: the terminal works as before */ }
      refocus();
    });
    document.addEventListener("fullscreenchange", () => {
      const on = document.fullscreenElement === el;
      button.setAttribute("aria-pressed", String(on));
      if (!on && keyboard && keyboard.unlock) keyboard.unlock();
    });
    return button;
  }

  // Asks before the page goes while `open()` (Ctrl+W, which no page can
  // take in a normal window, closes the tab otherwise). The page's own
  // links and forms, and reloads it asks for (data-leaving on <html>),
  // leave without a question.
  function guardLeaving(message, open) {
    let onPurpose = false;
    const mark = (e) => {
      // A form the page's script sends itself (Check, Extend) goes nowhere.
      if (e.defaultPrevented) return;
      if (e.type === "click") {
        const a = e.target.closest && e.target.closest("a[href]");
        if (!a || a.origin !== location.origin || a.target) return;
      }
      onPurpose = true;
      setTimeout(() => { onPurpose = false; }, 1000);
    };
    document.addEventListener("click", mark);
    document.addEventListener("submit", mark);
    window.addEventListener("beforeunload", (e) => {
      if (onPurpose || document.documentElement.dataset.leaving || !open()) return;
      e.preventDefault();
      // Browsers show their own text; older ones want one here.
      e.returnValue = message;
      return message;
    });
  }

  window.SandpitTerminalKeys = { encode, textField, fullscreenButton, guardLeaving };
})();
