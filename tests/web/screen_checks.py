"""What a browser test checks on every page it opens: the page fits the screen, no field or
picture sticks out of its card, dates stay on one line, and the Content-Security-Policy is sent
and never violated (violations and script errors are collected as they happen)."""

from playwright.sync_api import ConsoleMessage, Page, Response

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PAST_THE_WINDOW = "document.documentElement.scrollWidth - window.innerWidth"

WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && r.width > 0 && !scrolls(el)) {
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    }
    if (out.length > 4) break;
  }
  return out;
}"""
"""The first elements that stick out of the page (outside any scrolling box), to name them."""

WRAPPED_DATES = r"""() => {
  const re = /\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?/g;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('script, style, svg, option, textarea')) continue;
    for (const m of n.data.matchAll(re)) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const rects = [...r.getClientRects()].filter(x => x.width > 0);
      if (new Set(rects.map(x => Math.round(x.bottom))).size > 1) {
        const el = n.parentElement;
        out.push(`${m[0]} in ${el.tagName.toLowerCase()}.${el.className}`);
      }
    }
  }
  return out.slice(0, 5);
}"""
"""Dates (2026-11-18, 2026-11-18 10:30) whose characters sit on more than one line."""

OUT_OF_CARD = r"""() => {
  const out = [];
  const scrolls = (el, box) => {
    for (let p = el.parentElement; p && p !== box; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const box of document.querySelectorAll('.card, .filters')) {
    const edge = box.getBoundingClientRect().right;
    for (const el of box.querySelectorAll('input, select, textarea, button, img, svg, table')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > edge + 1 && !scrolls(el, box)) {
        out.push(el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : ''));
      }
    }
  }
  return out.slice(0, 5);
}"""
"""Form fields, pictures and tables that stick out of their card (outside a scrolling box)."""

UNLABELED_CELLS = r"""() => {
  const out = [];
  for (const table of document.querySelectorAll('table.ledger')) {
    const head = table.tHead && table.tHead.rows[0];
    if (!head || getComputedStyle(table.tHead).display !== 'none') continue;
    const names = [];
    for (const th of head.cells) {
      const heard = n => n.classList && n.classList.contains('sr-only');  // for screen readers
      const name = [...th.childNodes].filter(n => !heard(n)).map(n => n.textContent).join('');
      for (let i = 0; i < th.colSpan; i++) names.push(name.trim());
    }
    for (const body of [...table.tBodies, ...(table.tFoot ? [table.tFoot] : [])]) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const name = names[column] || '';
          column += cell.colSpan;
          const shown = cell.getClientRects().length > 0;
          if (cell.tagName === 'TD' && name && shown && !cell.hasAttribute('data-label')) {
            out.push(`${name} (column ${column})`);
          }
        }
      }
    }
  }
  return [...new Set(out)].slice(0, 5);
}"""
"""Cells of a table shown as cards (its head hidden, as on a phone) without the label of their
column (data-label), which the card shows above the value; a column without a shown heading
(buttons, whose heading is for screen readers only) needs none, nor a cell the phone hides."""

REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e => {
  window.__minwonCsp(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def watch(page: Page, where: dict[str, str], problems: list[str]) -> None:
    """Collect into ``problems`` every console error, script error and CSP violation of
    ``page`` from its next navigation on, each named by ``where["at"]`` (the page being seen)."""
    page.expose_binding(
        "__minwonCsp", lambda _source, what: problems.append(f"{where['at']}: CSP {what}")
    )
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda message: _console(message, where, problems))
    page.on("pageerror", lambda exc: problems.append(f"{where['at']}: script {exc}"))


def _console(message: ConsoleMessage, where: dict[str, str], problems: list[str]) -> None:
    if message.type == "error":
        source = message.location.get("url", "")
        problems.append(f"{where['at']}: console error {message.text} ({source})")


def answer_problems(response: Response | None, where: str) -> list[str]:
    """A missing answer, a server error or an answer without its security policy."""
    if response is None or response.status >= 500:
        return [f"{where}: status {response.status if response else 0}"]
    if "content-security-policy" not in response.headers:
        return [f"{where}: no Content-Security-Policy header"]
    return []


def width_problems(page: Page, where: str) -> list[str]:
    """The page scrolls sideways: by how much, and the first elements that stick out."""
    overflow = page.evaluate(OVERFLOW)
    if overflow > 1:
        return [f"{where}: {overflow}px wider than the screen: {page.evaluate(WIDEST)}"]
    return []


def phone_problems(page: Page, where: str) -> list[str]:
    """On a phone, besides the width: nothing past the window, nothing out of its card, no
    date broken over two lines, no table cell shown as a bare value without its column's
    label."""
    problems = width_problems(page, where)
    wide = page.evaluate(PAST_THE_WINDOW)
    if wide > 0 and not problems:
        problems.append(f"{where}: {wide}px wider than the window")
    sticking_out = page.evaluate(OUT_OF_CARD)
    if sticking_out:
        problems.append(f"{where}: wider than their card: {sticking_out}")
    wrapped = page.evaluate(WRAPPED_DATES)
    if wrapped:
        problems.append(f"{where}: dates broken over two lines: {wrapped}")
    unlabeled = page.evaluate(UNLABELED_CELLS)
    if unlabeled:
        problems.append(f"{where}: table cells without their column's data-label: {unlabeled}")
    return problems
