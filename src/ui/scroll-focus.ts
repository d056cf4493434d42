/**
 * A table (or `.scroll` box) that scrolls sideways is reachable by keyboard: while its content is
 * wider than its box (a phone's width) it gets `tabindex="0"`, and loses it again when it fits, so
 * a desktop page has no extra tab stops. Checked after each render of the element that holds it and
 * whenever its box changes size (a ResizeObserver): axe's `scrollable-region-focusable`.
 */
const MARK = 'data-scroll-focus';
const watched = new WeakSet<Element>();
const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver((entries) => entries.forEach((e) => mark(e.target as HTMLElement)));

function mark(el: HTMLElement): void {
  const overflows = el.scrollWidth > el.clientWidth + 1;
  if (overflows && !el.hasAttribute('tabindex')) {
    el.setAttribute('tabindex', '0');
    el.setAttribute(MARK, '');
  } else if (!overflows && el.hasAttribute(MARK)) {
    el.removeAttribute('tabindex');
    el.removeAttribute(MARK);
  }
}

/** Marks the scrolling tables and `.scroll` boxes under `root`, and watches their size from now on. */
export function keyboardScrollable(root: ParentNode): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('table, .scroll'))) {
    mark(el);
    if (observer && !watched.has(el)) {
      watched.add(el);
      observer.observe(el);
    }
  }
}
