// The replay player: draws a recorded terminal with the page's own
// terminal (terminal.js), from frames the server made of the recording
// with its screen emulation (src/http/replay.rs). Play, pause, speed, a
// position slider, and jumps to the checks run meanwhile.
(function () {
  "use strict";
  const el = document.querySelector("[data-replay]");
  if (!el || !window.SandpitTerminal) return;
  const term = new window.SandpitTerminal(el, { replay: true });
  const controls = document.querySelector(".replay-controls");
  const play = controls.querySelector(".replay-play");
  const speed = controls.querySelector(".replay-speed");
  const seek = controls.querySelector(".replay-seek");
  const clock = controls.querySelector(".replay-time");
  const marksList = document.querySelector(".replay-marks");
  let frames = [], keyframes = [], duration = 0;
  let shown = -1, position = 0, playing = false, last = 0, timer = null;

  const fmt = (t) => {
    const s = Math.floor(t), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  };

  // The last frame at or before t, or -1.
  function frameAt(t) {
    let lo = 0, hi = frames.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (frames[mid].t <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  // Draws the screen as it was at t: on from the frame shown when going
  // forward, else from the last keyframe before.
  function show(t) {
    t = Math.max(0, Math.min(duration, t));
    const j = frameAt(t);
    if (j >= 0 && j !== shown) {
      let key = 0;
      for (const k of keyframes) { if (k <= j) key = k; else break; }
      // On from the frame shown, unless a keyframe between is nearer.
      const from = shown >= 0 && j > shown ? Math.max(shown + 1, key) : key;
      for (let i = from; i <= j; i++) term.draw(frames[i].frame);
      shown = j;
    }
    position = t;
    seek.value = String(t);
    clock.textContent = fmt(t) + " / " + fmt(duration);
  }

  function setPlaying(on) {
    playing = on;
    play.textContent = on ? play.dataset.pause : play.dataset.play;
    play.setAttribute("aria-pressed", String(on));
    clearTimeout(timer);
    if (on) {
      if (position >= duration) show(0);
      last = performance.now();
      timer = setTimeout(tick, 30);
    }
  }

  function tick() {
    if (!playing) return;
    const now = performance.now();
    const t = position + ((now - last) / 1000) * Number(speed.value || 1);
    last = now;
    show(t);
    if (t >= duration) setPlaying(false);
    else timer = setTimeout(tick, 30);
  }

  play.addEventListener("click", () => setPlaying(!playing));
  seek.addEventListener("input", () => show(Number(seek.value)));

  fetch(el.dataset.replay, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((data) => {
      frames = data.frames || [];
      frames.forEach((f, i) => { if (f.frame && f.frame.full) keyframes.push(i); });
      duration = data.duration || 0;
      seek.max = String(duration);
      controls.hidden = false;
      term.setStatus(el.dataset.statusReady || "ready", "ok");
      // Frames stopped at the server's cap: say where the replay ends.
      const truncated = document.querySelector(".replay-truncated");
      if (truncated) truncated.hidden = !data.truncated;
      const marks = (data.marks || []).filter((m) => m.t <= duration + 1);
      if (!marks.length) {
        const li = document.createElement("li");
        li.textContent = marksList.dataset.empty || "";
        marksList.append(li);
      }
      for (const m of marks) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "replay-mark " + m.outcome;
        button.textContent = m.at + " — " + m.label;
        button.addEventListener("click", () => { setPlaying(false); show(m.t); });
        li.append(button);
        marksList.append(li);
      }
      show(0);
    })
    .catch(() => term.setStatus(el.dataset.statusFailed || "this recording cannot be replayed", "ended"));
})();
