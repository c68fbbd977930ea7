/**
 * Zoom and pan for a drawn statechart, and where its scale starts: the
 * diagram is shown at the largest scale that fits the width, but never so
 * small that its labels drop below `MIN_LABEL_PX` on screen. A machine too
 * big for that (the session machine) is shown readable and panned, with
 * its active state scrolled into view, rather than shrunk to a picture.
 *
 * ```js
 * const view = chartView(container, svg);   // sizes the SVG, wires wheel, drag and the buttons' calls
 * view.zoom(1.25); view.fit(); view.actual();
 * view.reveal(node);                        // scrolls the container (never the page) to a node
 * ```
 *
 * Scale 1 is the size Mermaid drew at (its `viewBox` in CSS pixels). The
 * scale is kept on the container as `data-scale`; the label size on screen
 * is the label's computed font size times that scale.
 */

/** Smallest label on screen, in CSS px, that the default scale allows. */
export const MIN_LABEL_PX = 12;
const MIN_SCALE = 0.1;
const MAX_SCALE = 4;

/** The font size (px) of the diagram's labels, as styled, before any scaling. */
export function labelFontPx(svg) {
  const label = svg.querySelector('.nodeLabel, .label text, text');
  const size = label ? Number.parseFloat(getComputedStyle(label).fontSize) : Number.NaN;
  return Number.isFinite(size) && size > 0 ? size : 16;
}

export function chartView(container, svg, onScale) {
  const box = svg.viewBox.baseVal;
  const natural = {
    width: box && box.width > 0 ? box.width : svg.getBoundingClientRect().width,
    height: box && box.height > 0 ? box.height : svg.getBoundingClientRect().height,
  };
  // Mermaid sizes its SVG to its container (`width="100%"`, a max-width): the scale decides instead.
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.style.maxWidth = 'none';
  let scale = 1;

  const apply = (next, anchor) => {
    const previous = scale;
    scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, next));
    svg.style.width = `${natural.width * scale}px`;
    svg.style.height = `${natural.height * scale}px`;
    container.dataset.scale = scale.toFixed(3);
    if (anchor) {
      // Keep the point under the cursor (or the centre) where it was.
      const ratio = scale / previous;
      container.scrollLeft = (container.scrollLeft + anchor.x) * ratio - anchor.x;
      container.scrollTop = (container.scrollTop + anchor.y) * ratio - anchor.y;
    }
    onScale?.(scale);
  };
  const fitScale = () => Math.max(MIN_SCALE, (container.clientWidth - 2) / natural.width);
  const readableScale = () => MIN_LABEL_PX / labelFontPx(svg);
  const centre = () => ({ x: container.clientWidth / 2, y: container.clientHeight / 2 });

  const view = {
    get scale() {
      return scale;
    },
    /** Fits the width, unless that makes labels unreadable: then readable, and panned. */
    initial() {
      apply(Math.min(1, Math.max(fitScale(), readableScale())));
    },
    fit() {
      apply(Math.min(MAX_SCALE, fitScale()));
    },
    actual() {
      apply(1, centre());
    },
    zoom(factor, anchor = centre()) {
      apply(scale * factor, anchor);
    },
    /** Scrolls the container so that `node` is in view (centred if it was not); the page stays put. */
    reveal(node) {
      const outer = container.getBoundingClientRect();
      const inner = node.getBoundingClientRect();
      const visible =
        inner.left >= outer.left &&
        inner.right <= outer.right &&
        inner.top >= outer.top &&
        inner.bottom <= outer.bottom;
      if (visible) return;
      container.scrollLeft += inner.left + inner.width / 2 - (outer.left + outer.width / 2);
      container.scrollTop += inner.top + inner.height / 2 - (outer.top + outer.height / 2);
    },
  };

  // Ctrl/⌘ + wheel (and a trackpad's pinch, which browsers send as one) zooms; a plain wheel scrolls.
  container.addEventListener(
    'wheel',
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      const rect = container.getBoundingClientRect();
      view.zoom(Math.exp(-event.deltaY / 300), {
        x: event.clientX - rect.left,
        y: event.clientY - rect.top,
      });
    },
    { passive: false },
  );
  // Drag to pan.
  let drag;
  container.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    drag = {
      x: event.clientX,
      y: event.clientY,
      left: container.scrollLeft,
      top: container.scrollTop,
    };
    container.setPointerCapture(event.pointerId);
    container.classList.add('dragging');
  });
  container.addEventListener('pointermove', (event) => {
    if (!drag) return;
    container.scrollLeft = drag.left - (event.clientX - drag.x);
    container.scrollTop = drag.top - (event.clientY - drag.y);
  });
  const stop = () => {
    drag = undefined;
    container.classList.remove('dragging');
  };
  container.addEventListener('pointerup', stop);
  container.addEventListener('pointercancel', stop);
  return view;
}
