// On-screen keyboard for wall screens without a keyboard: Norwegian letters (æ, ø, å), served by the app itself.
//
// It opens when a text field is focused with a finger (or always, with <body class="osk-always">) and types
// into that field: keys never take the focus, text goes in at the caret, and an "input" event tells the page's
// Vue components about it, exactly as a real keyboard would. Labels come from window.boardKeyboard.labels.
(() => {
  "use strict";
  const ROWS = [
    ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "backspace"],
    ["q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "å"],
    ["a", "s", "d", "f", "g", "h", "j", "k", "l", "ø", "æ"],
    ["shift", "z", "x", "c", "v", "b", "n", "m", ",", ".", "?", "!"],
    ["space", "close"],
  ];
  const TEXT_TYPES = new Set(["text", "search", "email", "url", "tel", "number", ""]);
  let lastTouch = false;
  let target = null;
  let shifted = false;
  let panel = null;

  const labels = () => (window.boardKeyboard && window.boardKeyboard.labels) || {};

  function editable(el) {
    if (!el || el.readOnly || el.disabled) return false;
    if (el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.has((el.getAttribute("type") || "").toLowerCase());
  }

  function build() {
    panel = document.createElement("div");
    panel.className = "osk";
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-label", labels().show || "Keyboard");
    panel.hidden = true;
    for (const row of ROWS) {
      const line = document.createElement("div");
      line.className = "osk-row";
      for (const key of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "osk-key osk-" + (key.length > 1 ? key : "char");
        button.dataset.key = key;
        if (key.length > 1) {
          button.setAttribute("aria-label", labels()[key] || key);
          button.textContent = { backspace: "⌫", shift: "⇧", space: " ", close: "⌄" }[key];
        } else {
          button.textContent = key;
        }
        // the field keeps the focus (and the caret) while a key is pressed
        button.addEventListener("pointerdown", (e) => e.preventDefault());
        button.addEventListener("mousedown", (e) => e.preventDefault());
        button.addEventListener("click", () => press(key));
        line.appendChild(button);
      }
      panel.appendChild(line);
    }
    document.body.appendChild(panel);
  }

  function show(el) {
    if (!panel) build();
    target = el;
    panel.hidden = false;
    document.body.classList.add("osk-open");
    document.body.style.setProperty("--osk-height", panel.offsetHeight + "px");
  }

  function hide() {
    if (panel) panel.hidden = true;
    document.body.classList.remove("osk-open");
    target = null;
  }

  function setShift(on) {
    shifted = on;
    for (const button of panel.querySelectorAll(".osk-char")) {
      button.textContent = on ? button.dataset.key.toUpperCase() : button.dataset.key;
    }
    panel.querySelector(".osk-shift").setAttribute("aria-pressed", on ? "true" : "false");
  }

  function insert(text) {
    const el = target;
    if (!el || !document.contains(el)) return hide();
    if (el.selectionStart === null) {  // a number field has no caret to work with: type at the end
      el.value = text === null ? el.value.slice(0, -1) : el.value + text;
    } else {
      const start = el.selectionStart, end = el.selectionEnd;
      if (text === null) {  // backspace
        el.setRangeText("", start === end && start > 0 ? start - 1 : start, end, "end");
      } else {
        const max = el.maxLength > 0 ? el.maxLength : Infinity;
        if (el.value.length - (end - start) + text.length > max) return;
        el.setRangeText(text, start, end, "end");
      }
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function press(key) {
    if (key === "close") return hide();
    if (key === "shift") return setShift(!shifted);
    if (key === "backspace") return insert(null);
    if (key === "space") return insert(" ");
    insert(shifted ? key.toUpperCase() : key);
    if (shifted) setShift(false);
  }

  document.addEventListener("pointerdown", (e) => {
    lastTouch = e.pointerType === "touch" || e.pointerType === "pen";
  }, true);
  // Closing waits a moment: the tap that moved the focus (on "Lagre", say) must land before the page, no longer
  // pushed up by the keyboard, moves under the finger.
  function hideSoon() {
    setTimeout(() => { if (!editable(document.activeElement)) hide(); }, 400);
  }
  document.addEventListener("focusin", (e) => {
    if (editable(e.target) && (lastTouch || document.body.classList.contains("osk-always"))) show(e.target);
    else if (panel && !panel.contains(e.target)) hideSoon();
  });
  document.addEventListener("focusout", hideSoon);
})();
