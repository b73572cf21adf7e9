// Solves an ALTCHA proof-of-work challenge for a form (mindwell/moderation/antispam.py): fetch
// a fresh challenge, find the number n in 0..maxNumber with SHA-256(salt + n) == challenge, then put the
// signed solution in the form's hidden input. It starts when someone begins filling the
// form (so a page with many comment forms solves only the one in use) and holds the
// submit until it is done. Without WebCrypto (plain HTTP) it does nothing, and the form's
// no-JavaScript wait token is sent instead.
(() => {
  "use strict";
  if (window.mindwellAltcha || !(window.crypto && crypto.subtle)) return;
  window.mindwellAltcha = true;
  const SELECTOR = "input[data-altcha-url]";
  const encoder = new TextEncoder();

  async function sha256Hex(text) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function solve(c) {
    for (let n = 0; n <= c.maxNumber; n++) {
      if ((await sha256Hex(c.salt + n)) === c.challenge) return n;
    }
    return null;
  }

  function start(input) {
    if (!input.solving) {
      input.solving = (async () => {
        const response = await fetch(input.dataset.altchaUrl, { credentials: "same-origin" });
        if (!response.ok) return;
        const c = await response.json();
        const number = await solve(c);
        if (number === null) return;
        const payload = { algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature };
        input.value = btoa(JSON.stringify(payload));
        input.dataset.altchaSolved = "1";
      })().catch(() => {});
    }
    return input.solving;
  }

  document.addEventListener("focusin", (event) => {
    const form = event.target.closest && event.target.closest("form");
    const input = form && form.querySelector(SELECTOR);
    if (input) start(input);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const input = form.querySelector(SELECTOR);
    if (!input || input.dataset.altchaSolved) return;
    event.preventDefault();
    const submitter = event.submitter;
    const button = submitter || form.querySelector("button:not([type=button])");
    if (button) button.setAttribute("aria-busy", "true");
    start(input).finally(() => {
      input.dataset.altchaSolved = "1"; // solved, or not solvable: send what we have
      if (button) button.removeAttribute("aria-busy");
      submitter ? form.requestSubmit(submitter) : form.requestSubmit();
    });
  });
})();
