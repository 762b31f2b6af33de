import { escapeHtml } from '../core/html.js';

/**
 * Characters XML 1.0 does not allow in a document, even escaped: C0 controls other than tab, line
 * feed and carriage return, lone UTF-16 surrogates, U+FFFE and U+FFFF. One of them in a service
 * name (a chat monitor's name is anyone's text) would make the whole badge or feed unreadable.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` without the characters XML 1.0 forbids (see `NOT_XML`). */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '');
}

/** Text for XML element content or a double-quoted attribute: forbidden characters dropped, markup escaped. */
export function escapeXml(text: string): string {
  return escapeHtml(xmlSafe(text));
}
