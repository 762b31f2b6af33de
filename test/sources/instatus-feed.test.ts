import { describe, expect, it } from 'vitest';
import { OPEN_WINDOW_MS } from '../../src/sources/feed-payload.js';
import { feedSource, parseUpdateStamp } from '../../src/sources/feed-source.js';
import { parseStatusResponse } from '../../src/sources/parse-status.js';
import { okResponse, readStatusFixture } from './status-fixtures.js';

/**
 * Instatus `history.rss` (Northflank's, captured 2026-09/10): each item's update timeline is
 * HTML escaped once more inside CDATA, lists updates OLDEST first, and `pubDate` is the
 * incident's start, not its last update.
 */
const NORTHFLANK = readStatusFixture('instatus/northflank_history_2026-09-25.rss');

/** The feed as it was before the newest update of the item with `guidEnd` was posted. */
function beforeLastUpdate(feed: string, guidEnd: string): string {
  const start = feed.indexOf('<item>', feed.lastIndexOf('<item>', feed.indexOf(guidEnd)));
  const end = feed.indexOf('</item>', start);
  const item = feed.slice(start, end);
  // The content's last escaped paragraph, and the same update in the plain-text description.
  const lastUpdate = item.lastIndexOf('&lt;p&gt;&lt;small&gt;');
  let cut = item.slice(0, lastUpdate) + item.slice(item.indexOf(']]>', lastUpdate));
  const stamps = [...cut.matchAll(/ [A-Z][a-z]{2} \d{1,2}, \d\d:\d\d:\d\d GMT\+0 - /g)];
  const lastStamp = stamps.at(-1)?.index ?? 0;
  cut = cut.slice(0, lastStamp) + cut.slice(cut.indexOf('\n  </description>', lastStamp));
  return feed.slice(0, start) + cut + feed.slice(end);
}

function parse(body: string, now: string) {
  return feedSource.parse(okResponse(body, Date.parse(now), 'application/rss+xml'));
}

describe('Instatus history.rss', () => {
  it('reads a resolved incident as resolved: the last (newest) update decides', () => {
    for (const now of ['2026-09-25T16:02:00Z', '2026-09-25T17:00:00Z', '2026-09-26T12:00:00Z']) {
      expect(parse(NORTHFLANK, now)).toMatchObject({ overall: 'ok', incidents: [] });
    }
    // Every incident of the capture is resolved, whenever we look after its resolution.
    expect(parse(NORTHFLANK, '2026-09-04T21:00:00Z')).toMatchObject({ overall: 'ok', incidents: [] });
    expect(parse(NORTHFLANK, '2026-08-05T15:00:00Z')).toMatchObject({ overall: 'ok', incidents: [] });
  });

  it('dates the feed by its newest update, not by the incidents’ start (pubDate)', () => {
    expect(parse(NORTHFLANK, '2026-09-25T17:00:00Z').pageUpdatedAt).toBe('2026-09-25T16:01:05.000Z');
  });

  it('reads an ongoing incident as ongoing, with its current update and affected component', () => {
    const ongoing = beforeLastUpdate(NORTHFLANK, 'cmuh4kc8h00s013pih51rz3uf');
    expect(ongoing).not.toContain('16:01:05');
    const snapshot = parse(ongoing, '2026-09-25T15:30:00Z');
    expect(snapshot.overall).toBe('degraded');
    expect(snapshot.incidents).toEqual([
      {
        id: 'https://status.northflank.com/incident/cmuh4kc8h00s013pih51rz3uf',
        title: 'Degraded SSO login via WorkOS',
        phase: 'investigating',
        impact: 'degraded',
        startedAt: '2026-09-25T15:15:00.000Z',
        updatedAt: '2026-09-25T15:15:00.000Z',
        url: 'https://status.northflank.com/incident/cmuh4kc8h00s013pih51rz3uf',
        componentIds: [],
        componentNames: ['Northflank App'],
        lastMessage: 'We are currently investigating this incident..',
        isMaintenance: false,
      },
    ]);
  });

  it('takes the last of several updates as the current one (Monitoring after Investigating)', () => {
    const ongoing = beforeLastUpdate(NORTHFLANK, 'cmsg4fvtt034m1ao3nowjoker');
    const [incident] = parse(ongoing, '2026-08-05T14:00:00Z').incidents;
    expect(incident).toMatchObject({
      title: 'Workloads Failing to Start Across Multiple Regions',
      phase: 'monitoring',
      startedAt: '2026-08-05T13:27:13.000Z',
      updatedAt: '2026-08-05T13:42:39.000Z',
      componentNames: ['Addons', 'Jobs', 'Services'],
    });
    expect(incident?.lastMessage).toMatch(/^We have identified the issue and applied a mitigation/);
  });

  it('keeps an incident open while it is updated, though it started longer ago than the open window', () => {
    // Constructed from the Northflank item: the same incident, still being updated 30 hours on.
    const started = Date.parse('2026-09-25T15:15:00Z');
    const later = new Date(started + 30 * 60 * 60 * 1000);
    const stamp = `Sep &lt;var data-var=&#039;date&#039;&gt; ${later.getUTCDate()}&lt;/var&gt;, &lt;var data-var=&#039;time&#039;&gt;${later.toISOString().slice(11, 19)}&lt;/var&gt; GMT+0`;
    const monitoring = `&lt;p&gt;&lt;small&gt;${stamp}&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Monitoring&lt;/strong&gt; -\n  A fix is rolling out..&lt;/p&gt;\n]]>`;
    const ongoing = beforeLastUpdate(NORTHFLANK, 'cmuh4kc8h00s013pih51rz3uf').replace(']]>', monitoring);
    const now = later.getTime() + 60_000;
    expect(now - started).toBeGreaterThan(OPEN_WINDOW_MS);
    const snapshot = feedSource.parse(okResponse(ongoing, now, 'application/rss+xml'));
    expect(snapshot.incidents.map((i) => [i.title, i.phase, i.lastMessage])).toEqual([
      ['Degraded SSO login via WorkOS', 'monitoring', 'A fix is rolling out..'],
    ]);
  });

  it('is detected as a feed and parsed the same way through parseStatusResponse', () => {
    const input = okResponse(NORTHFLANK, Date.parse('2026-09-25T17:00:00Z'), 'application/rss+xml');
    expect(parseStatusResponse(input, 'auto')).toEqual(feedSource.parse(input));
  });

  it('reads Instatus maintenances: "Identified" on a maintenance means it is running', () => {
    // Constructed in the shape of an Instatus history item ("Type: Maintenance" header).
    const feed = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>X Status - Incident history</title>
<item><title>Database maintenance</title><content:encoded><![CDATA[<p><strong>Type:</strong> Maintenance</p>
&lt;p&gt;&lt;small&gt;Jul 19, 06:00:01 GMT+0&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Identified&lt;/strong&gt; - Maintenance is now in progress.&lt;/p&gt;]]></content:encoded>
<pubDate>Sun, 19 Jul 2026 06:00:00 +0000</pubDate><guid>m1</guid></item></channel></rss>`;
    const snapshot = parse(feed, '2026-07-19T06:30:00Z');
    expect(snapshot.overall).toBe('maintenance');
    expect(snapshot.incidents[0]).toMatchObject({ phase: 'in_progress', isMaintenance: true });
    const done = feed.replace(
      ']]>',
      '&lt;p&gt;&lt;small&gt;Jul 19, 06:07:55 GMT+0&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Completed&lt;/strong&gt; - Done.&lt;/p&gt;]]>',
    );
    expect(parse(done, '2026-07-19T06:30:00Z')).toMatchObject({ overall: 'ok', incidents: [] });
  });
});

describe('parseUpdateStamp', () => {
  const reference = Date.parse('2026-09-25T15:15:00Z');
  it.each([
    ['Sep 25, 15:15:00 GMT+0', '2026-09-25T15:15:00.000Z'],
    ['Dec 23, 10:30 CET', '2026-12-23T09:30:00.000Z'],
    ['Oct 7, 21:23 UTC', '2026-10-07T21:23:00.000Z'],
    ['Sep 26, 01:00 PST', '2026-09-26T09:00:00.000Z'],
    ['Sep 25, 20:45 GMT+5:30', '2026-09-25T15:15:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(new Date(parseUpdateStamp(text, reference) ?? NaN).toISOString()).toBe(iso);
  });

  it('puts a date without year in the year nearest the item’s own date', () => {
    expect(parseUpdateStamp('Jan 1, 00:30:00 GMT+0', Date.parse('2025-12-31T23:50:00Z'))).toBe(
      Date.parse('2026-01-01T00:30:00Z'),
    );
    expect(parseUpdateStamp('Dec 31, 23:50:00 GMT+0', Date.parse('2026-01-01T00:30:00Z'))).toBe(
      Date.parse('2025-12-31T23:50:00Z'),
    );
  });

  it('gives up on zones and shapes it does not know', () => {
    expect(parseUpdateStamp('Sep 25, 15:15 XYZT', reference)).toBeUndefined();
    expect(parseUpdateStamp('yesterday', reference)).toBeUndefined();
    expect(parseUpdateStamp('Sep 25, 15:15 UTC', undefined)).toBeUndefined();
  });
});
