// Drafts of open forms on a wall screen: what was typed survives a lost connection and a reload of the page.
//
// A form marked data-draft-key="<key>" keeps the text typed into its fields marked data-draft-field="<name>" in
// this browser's localStorage (no cookie, no server, works with the hub away). The page asks for it back when the
// same form is opened again (restore) and clears it when the form is saved or cancelled (clear; a cancel button
// marked data-draft-cancel clears it in the browser at the tap); after a reload
// it asks which form was open (pendingFor) and opens it again. Text goes back into the fields as their value, with
// an "input" event so the page hears it as if it had been typed: it never becomes markup.
(() => {
  "use strict";
  const PREFIX = "board-draft:";
  const MAX_AGE_MS = 7 * 24 * 3600 * 1000;  // a draft nobody came back to for a week is dropped
  const MAX_CHARS = 20000;

  function read(key) {
    try {
      const record = JSON.parse(localStorage.getItem(PREFIX + key) || "null");
      if (!record || typeof record !== "object" || typeof record.fields !== "object" || !record.fields) return null;
      if (Date.now() - (record.saved || 0) > MAX_AGE_MS) { localStorage.removeItem(PREFIX + key); return null; }
      return record;
    } catch (e) {
      return null;
    }
  }

  function write(key, record) {
    try {
      record.saved = Date.now();
      localStorage.setItem(PREFIX + key, JSON.stringify(record));
    } catch (e) { /* storage full or disabled: the form still works, only without a draft */ }
  }

  function fieldOf(target) {
    const field = target.closest && target.closest("[data-draft-field]");
    const form = field && field.closest("[data-draft-key]");
    if (!form || !(target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return null;
    return { key: form.getAttribute("data-draft-key"), name: field.getAttribute("data-draft-field") };
  }

  // every change to a drafted field is kept at once (typed, pasted or from the on-screen keyboard)
  document.addEventListener("input", (e) => {
    const where = fieldOf(e.target);
    if (!where || !where.key) return;
    const record = read(where.key) || { fields: {} };
    record.fields[where.name] = String(e.target.value).slice(0, MAX_CHARS);
    record.open = true;
    write(where.key, record);
  }, true);

  // a cancel button marked data-draft-cancel drops its form's draft at the tap, in the browser: a reload straight
  // after it (or a lost connection) must not bring back what was cancelled, whether or not the page answered yet
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("[data-draft-cancel]");
    const form = button && button.closest("[data-draft-key]");
    const key = form && form.getAttribute("data-draft-key");
    if (key) { try { localStorage.removeItem(PREFIX + key); } catch (err) { /* nothing kept */ } }
  }, true);

  function inputsOf(form, name) {
    // Quasar puts the attribute on the native field itself; a wrapper holding one would do as well
    const holder = form.querySelector(`[data-draft-field="${CSS.escape(name)}"]`);
    if (!holder) return null;
    return holder.matches("input, textarea") ? holder : holder.querySelector("input, textarea");
  }

  // the form is drawn by the page a moment after it is asked to open; its values are set just after that
  function whenShown(key, then, tries = 60) {
    const form = document.querySelector(`[data-draft-key="${CSS.escape(key)}"]`);
    if (form && form.offsetParent !== null) return setTimeout(() => then(form), 150);
    if (tries > 0) setTimeout(() => whenShown(key, then, tries - 1), 50);
  }

  window.boardDrafts = {
    /** Put the draft of `key` back into its form once the form is shown; marks it as the open form. */
    restore(key) {
      const record = read(key);
      if (!record) return;
      record.open = true;
      write(key, record);
      whenShown(key, (form) => {
        for (const [name, value] of Object.entries(record.fields)) {
          const input = inputsOf(form, name);
          if (!input || typeof value !== "string" || input.value === value) continue;
          input.value = value;
          input.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
    },
    /** The form was saved or cancelled: its draft is no longer needed. */
    clear(key) {
      try { localStorage.removeItem(PREFIX + key); } catch (e) { /* nothing kept */ }
    },
    /** The form was closed another way (it had nothing changed): keep nothing open. */
    closed(key) {
      const record = read(key);
      if (record) { record.open = false; write(key, record); }
    },
    /** The key of the newest draft whose form was open when the page went away, among keys starting `prefix`. */
    pendingFor(prefix) {
      let best = null, newest = 0;
      try {
        for (let i = 0; i < localStorage.length; i++) {
          const name = localStorage.key(i);
          if (!name || !name.startsWith(PREFIX + prefix)) continue;
          const record = read(name.slice(PREFIX.length));
          if (record && record.open && record.saved > newest) { best = name.slice(PREFIX.length); newest = record.saved; }
        }
      } catch (e) { return null; }
      return best;
    },
  };
})();
