"""Accessibility checks run in the page itself, on every screen the browser tests visit.

They check what WCAG 2.1 AA asks of these pages and a script can decide: every form control
has a label (a ``<label for>``, a wrapping label or ``aria-label``); a control marked invalid
points at its message through ``aria-describedby``; the page says its language; and the text
drawn has a contrast of at least 4.5:1 with the background it is drawn on (3:1 for large
text). No library fits without a download at test time (axe-core comes from npm), and these
four rules are short, so they are written here.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

_SCRIPT = """
() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.name ? '[name=' + el.name + ']' : '');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') continue;
    const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') ||
      el.getAttribute('aria-labelledby');
    if (!labelled) problems.push('no label: ' + describe(el));
    if (el.getAttribute('aria-invalid') === 'true') {
      const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
      if (!ids.some((id) => document.getElementById(id)))
        problems.push('invalid without its message: ' + describe(el));
    }
  }
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  const channels = (color) => {
    const m = color.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(',').map((p) => parseFloat(p));
    return { rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = channels(getComputedStyle(node).backgroundColor);
      if (c && c.alpha > 0.5) return c.rgb;
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const el = text.parentElement;
    if (!el || seen.has(el) || !text.textContent.trim()) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0) continue;
    const fg = channels(style.color);
    if (!fg) continue;
    const [hi, lo] = [luminance(fg.rgb), luminance(background(el))].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
    if (ratio < (large ? 3 : 4.5))
      problems.push('contrast ' + ratio.toFixed(2) + ': ' + describe(el) + ' "' +
        text.textContent.trim().slice(0, 30) + '"');
  }
  return problems;
}
"""


def problems(page: Page) -> list[str]:
    """What keeps the page from being usable by everyone (empty when nothing)."""
    found: Any = page.evaluate(_SCRIPT)
    return [str(item) for item in found]


def assert_accessible(page: Page) -> None:
    """Fail with every accessibility problem of the page as it is now."""
    found = problems(page)
    assert not found, "\n".join(found)
