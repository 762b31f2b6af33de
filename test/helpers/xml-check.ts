/**
 * A strict well-formedness check of the XML the bot generates (Atom feeds, SVG badges): an optional
 * declaration, then one root element with attributes, text, comments, and the five named entity
 * and character references; no DTD, CDATA or processing instruction. Throws with the position of
 * the first fault; returns the root element's name.
 */
export function checkWellFormedXml(xml: string): string {
  const NAME = /[A-Za-z_:][\w.:-]*/y;
  const REFERENCE = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;
  const FORBIDDEN =
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML: ${why} at ${i}: ${JSON.stringify(xml.slice(i, i + 60))}`);
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(xml);
    if (!m) return fail('a name expected');
    i += m[0].length;
    return m[0];
  };
  const spaces = (): boolean => {
    const start = i;
    while (/\s/.test(xml[i] ?? '')) i++;
    return i > start;
  };
  const text = (t: string): void => {
    if (FORBIDDEN.test(t)) fail('a character XML forbids');
    if (REFERENCE.test(t)) fail('a bare & or an unknown entity');
  };
  if (FORBIDDEN.test(xml)) fail('a character XML forbids');
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unclosed declaration');
    i = end + 2;
  }
  const open: string[] = [];
  let root: string | null = null;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const between = xml.slice(i, lt < 0 ? xml.length : lt);
    text(between);
    if (open.length === 0 && between.trim() !== '') fail('text outside the root element');
    if (between.includes('>') && open.length === 0) fail('a stray >');
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) fail('unclosed comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      i += 2;
      const closing = name();
      spaces();
      if (xml[i] !== '>') fail('> expected');
      i++;
      if (open.pop() !== closing) fail(`</${closing}> does not close the open element`);
      continue;
    }
    if (xml[i + 1] === '!' || xml[i + 1] === '?') fail('unsupported markup');
    i++;
    const element = name();
    if (open.length === 0) {
      if (root !== null) fail('a second root element');
      root = element;
    }
    const attributes = new Set<string>();
    for (;;) {
      const spaced = spaces();
      if (xml.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (xml[i] === '>') {
        i++;
        open.push(element);
        break;
      }
      if (!spaced) fail('space expected before an attribute');
      const attribute = name();
      if (attributes.has(attribute)) fail(`attribute ${attribute} twice`);
      attributes.add(attribute);
      spaces();
      if (xml[i] !== '=') fail('= expected');
      i++;
      spaces();
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") fail('a quoted value expected');
      const end = xml.indexOf(quote as string, i + 1);
      if (end < 0) fail('unclosed attribute value');
      const value = xml.slice(i + 1, end);
      if (value.includes('<')) fail('< in an attribute value');
      text(value);
      i = end + 1;
    }
  }
  if (open.length > 0) fail(`<${open.at(-1)}> never closed`);
  if (root === null) fail('no root element');
  return root as string;
}
