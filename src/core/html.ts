/**
 * Escapes text for HTML (and SVG) element content and double-quoted attribute values. Every
 * untrusted string on the status page and in the charts goes through it. Pure, so it lives in core,
 * below both renderers.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
