// One function evaluated in the page (tests/browser/helpers.py wall_offenders): what is too small for the wall.
// Text counts only where it is on top (not covered by a dialog, inside the viewport), at its rendered size (a
// transform such as Quasar's floating label counts); a target's box is what a finger hits (a Quasar field's
// control, a checkbox with its words).
({minText, minTitle, minTarget}) => {
  const offenders = [];
  const describe = (el) => {
    const cls = (el.className && typeof el.className === 'string') ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '';
    return el.tagName.toLowerCase() + cls;
  };
  const onTop = (el, rect) => {
    const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return !!hit && (hit === el || el.contains(hit) || hit.contains(el));
  };
  const scaleOf = (el) => (el.offsetHeight > 0 ? el.getBoundingClientRect().height / el.offsetHeight : 1);
  // text: every text node's parent, at the size it is drawn
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (el.closest('.q-icon, .material-icons, script, style, .osk, [aria-hidden=true]')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2 || !onTop(el, rect)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize) * scaleOf(el);
    const min = el.closest('.card-title') ? minTitle : minText;
    if (size < min - 0.1) offenders.push(`text ${size.toFixed(1)}px < ${min}: ${describe(el)} «${node.textContent.trim().slice(0, 40)}»`);
  }
  // typed text inside fields
  for (const el of document.querySelectorAll('input:not([type=hidden]), textarea')) {
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || !el.checkVisibility({checkOpacity: false}) || !onTop(el, rect)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize) * scaleOf(el);
    if (size < minText - 0.1) offenders.push(`field text ${size.toFixed(1)}px: ${describe(el)}`);
  }
  // targets
  const targets = new Set();
  for (const el of document.querySelectorAll('button, a[href], [role=button], [role=tab], [role=checkbox], [role=switch], [role=radio], input:not([type=hidden]), select, textarea, .q-date__calendar-item > *')) {
    targets.add(el.closest('.q-field__control') || el.closest('.q-checkbox, .q-toggle, .q-radio') || el);
  }
  for (const el of targets) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2 || !onTop(el, rect)) continue;
    if (rect.width < minTarget - 0.5 || rect.height < minTarget - 0.5) {
      offenders.push(`target ${Math.round(rect.width)}x${Math.round(rect.height)} < ${minTarget}: ${describe(el)} «${(el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 30)}»`);
    }
  }
  return offenders;
}
