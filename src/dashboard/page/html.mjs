/**
 * `html`: htm bound to Preact's `h`, the page's only way to make elements.
 * Interpolated values become text nodes or attribute values, never markup:
 * whatever a session supplies (ids, metadata, reasons, output) is shown as
 * text. The page never sets `innerHTML` except to place Mermaid's SVG.
 */
import htm from 'htm';
import { h } from 'preact';

export const html = htm.bind(h);
