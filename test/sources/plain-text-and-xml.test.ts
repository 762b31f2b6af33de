import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToPlainText, truncateText } from '../../src/sources/plain-text.js';
import { readFeed } from '../../src/sources/xml-feed.js';

describe('htmlToPlainText', () => {
  it.each([
    ['<p>Hello <strong>world</strong></p>', 'Hello world'],
    ["Oct <var data-var='date'>21</var>, <var data-var='time'>17:39</var> UTC", 'Oct 21, 17:39 UTC'],
    ['line one<br>line two<br />\r\n\r\n  three', 'line one line two three'],
    ['a &amp; b &lt;c&gt; &#39;d&#39; &#x263A; &nbsp;e', "a & b <c> 'd' ☺ e"],
    ['<script>alert(1)</script>safe<style>p{}</style>', 'safe'],
    ['<!-- hidden -->shown', 'shown'],
    ['&#0; &#x110000; &#xD800; &bogus;', '\uFFFD \uFFFD \uFFFD &bogus;'],
  ])('%j → %j', (html, text) => {
    expect(htmlToPlainText(html)).toBe(text);
  });

  it('cuts long text to the limit with an ellipsis, never splitting a surrogate pair', () => {
    expect(truncateText('abcdef', 4)).toBe('abc…');
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
    expect(truncateText('short', 10)).toBe('short');
  });

  it('decodes entities once, so escaped markup stays text', () => {
    expect(decodeEntities('&amp;lt;b&amp;gt;')).toBe('&lt;b&gt;');
  });
});

describe('readFeed', () => {
  it('reads RSS items with CDATA, entities, guid and pubDate', () => {
    const feed = readFeed(
      '<rss><channel><title>Ch</title><item><title><![CDATA[A <b>&amp;</b> B]]></title>' +
        '<link>https://x/1</link><guid isPermaLink="false">g1</guid><pubDate>Tue, 05 Jul 2016 21:24:03 PDT</pubDate>' +
        '<description>&lt;p&gt;Hi &amp;amp; bye&lt;/p&gt;</description></item></channel></rss>',
    );
    expect(feed).toEqual({
      format: 'rss',
      items: [
        {
          title: 'A <b>&amp;</b> B',
          link: 'https://x/1',
          id: 'g1',
          published: 'Tue, 05 Jul 2016 21:24:03 PDT',
          description: '<p>Hi &amp; bye</p>',
        },
      ],
    });
  });

  it('reads Atom entries, preferring the alternate link and keeping both dates', () => {
    const feed = readFeed(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><id>e1</id>' +
        '<published>2025-10-21T17:39:34Z</published><updated>2025-10-21T18:00:00Z</updated>' +
        '<link rel="self" href="https://x/self"/><link rel="alternate" type="text/html" href="https://x/a?b=1&amp;c=2"/>' +
        '<title type="text">T</title><content type="html">&lt;p&gt;C&lt;/p&gt;</content></entry></feed>',
    );
    expect(feed?.items).toEqual([
      {
        id: 'e1',
        title: 'T',
        link: 'https://x/a?b=1&c=2',
        published: '2025-10-21T17:39:34Z',
        updated: '2025-10-21T18:00:00Z',
        content: '<p>C</p>',
      },
    ]);
  });

  it('does not end an element at a closing tag hidden in CDATA', () => {
    const feed = readFeed('<rss><item><title><![CDATA[x</title>y]]></title></item></rss>');
    expect(feed?.items[0]?.title).toBe('x</title>y');
  });

  it('drops a truncated trailing item and reads a self-closing element as empty', () => {
    const feed = readFeed('<rss><item><title/><guid>1</guid></item><item><title>cut');
    expect(feed?.items).toEqual([{ id: '1' }]);
  });

  it('is not fooled by an HTML page', () => {
    expect(readFeed('<!DOCTYPE html><html><body><item>x</item></body></html>')).toBeUndefined();
  });
});
