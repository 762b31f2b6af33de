/**
 * A pattern that finds any of `stems` anywhere in a lower-cased, NFC-normalised text: how a
 * language that inflects by suffix (Bengali পাঠাতে, পাঠানো, পাঠাচ্ছি all contain পাঠা; Hindi भेजा,
 * भेजे, भेजना contain भेज) is matched, since JavaScript's `\b` only knows ASCII word characters.
 */
export function anyStem(stems: readonly string[]): RegExp {
  const escaped = stems.map((stem) =>
    stem
      .normalize('NFC')
      .toLowerCase()
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return new RegExp(escaped.join('|'), 'u');
}
