// The "not ready yet" page: counts down the server's Retry-After, then
// sends the refused request again (the page's own form: a POST to Start or
// Reset), so that the learner lands on their sandbox once there is room.
(function () {
  "use strict";
  const form = document.querySelector(".busy-retry");
  if (!form) return;
  const status = form.querySelector(".busy-wait");
  const seconds = Math.max(1, Number(form.dataset.retryAfter) || 30);
  // A little spread, so that a whole class refused together does not come
  // back in the same second.
  const due = Date.now() + seconds * 1000 * (1 + Math.random() * 0.2);
  let sent = false;
  const send = () => {
    if (sent) return;
    sent = true;
    status.textContent = form.dataset.trying;
    form.submit();
  };
  const tick = () => {
    const left = Math.ceil((due - Date.now()) / 1000);
    if (left <= 0) return send();
    status.textContent = form.dataset.countdown.replace("{seconds}", left);
    // Next when the number shown changes.
    setTimeout(tick, ((due - Date.now()) % 1000) || 1000);
  };
  form.addEventListener("submit", () => { sent = true; status.textContent = form.dataset.trying; });
  tick();
})();
