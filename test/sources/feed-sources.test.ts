import { describe, expect, it } from 'vitest';
import { awsRssSource } from '../../src/sources/aws-rss-source.js';
import { FUTURE_SKEW_MS, OPEN_WINDOW_MS } from '../../src/sources/feed-payload.js';
import { feedSource } from '../../src/sources/feed-source.js';
import { okResponse, readStatusFixture } from './status-fixtures.js';

const GITHUB_ATOM = readStatusFixture('statuspage/github_history_2025-10-21.atom');
const STAFFBASE_RSS = readStatusFixture('statuspage/staffbase_history_2021-12.rss');
const AWS_RSS = readStatusFixture('aws/ec2-ap-northeast-1_2019-08-23.rss');

/** The fixture as it looked before its first entry was resolved: drop that entry's newest paragraph. */
const GITHUB_ATOM_BEFORE_RESOLVED = GITHUB_ATOM.replace(
  /&lt;p&gt;(?:(?!&lt;\/p&gt;)[\s\S])*?Resolved[\s\S]*?&lt;\/p&gt;/,
  '',
);

function parseFeed(body: string, now: string) {
  return feedSource.parse(okResponse(body, Date.parse(now), 'application/atom+xml'));
}

function rss(items: readonly { title: string; description?: string; date: string; guid?: string }[]): string {
  const xml = items
    .map(
      (i) =>
        `<item><title>${i.title}</title><description>${i.description ?? ''}</description>` +
        `<pubDate>${new Date(Date.parse(i.date)).toUTCString()}</pubDate><guid>${i.guid ?? i.title}</guid></item>`,
    )
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>${xml}</channel></rss>`;
}

describe('Statuspage history feed', () => {
  it('sees an entry whose newest label is an Update as still open, phase from the label before it', () => {
    const snapshot = parseFeed(GITHUB_ATOM_BEFORE_RESOLVED, '2025-10-21T17:45:00Z');
    expect(snapshot.overall).toBe('degraded');
    expect(snapshot.incidents).toEqual([
      {
        id: 'tag:www.githubstatus.com,2005:Incident/26837586',
        title: 'Disruption with some GitHub services',
        phase: 'investigating',
        impact: 'degraded',
        startedAt: '2025-10-21T17:39:34Z',
        updatedAt: '2025-10-21T17:39:34.000Z',
        url: 'https://www.githubstatus.com/incidents/v61nk2fpysnq',
        componentIds: [],
        componentNames: [],
        lastMessage:
          'Mitigation continues, the impact is limited to Enterprise Cloud customers who have configured SAML at the organization level.',
        isMaintenance: false,
      },
    ]);
  });

  it('ignores entries dated in the future beyond the skew instead of trusting them', () => {
    // 17:00Z: the 17:39 entry and the 20:25 update of the third entry have not happened yet.
    const snapshot = parseFeed(GITHUB_ATOM_BEFORE_RESOLVED, '2025-10-21T17:00:00Z');
    expect(snapshot).toMatchObject({
      overall: 'ok',
      incidents: [],
      pageUpdatedAt: '2025-10-21T12:28:19.000Z',
    });
  });

  it('accepts an entry a little ahead of our clock, within the skew', () => {
    const at = Date.parse('2025-10-21T17:39:34Z') - FUTURE_SKEW_MS + 1000;
    const snapshot = feedSource.parse(okResponse(GITHUB_ATOM_BEFORE_RESOLVED, at));
    expect(snapshot.incidents.map((i) => i.title)).toEqual(['Disruption with some GitHub services']);
  });

  it('stops counting an unresolved entry once it is older than the open window', () => {
    const later = Date.parse('2025-10-21T17:39:34Z') + OPEN_WINDOW_MS + 1000;
    const snapshot = feedSource.parse(okResponse(GITHUB_ATOM_BEFORE_RESOLVED, later));
    expect(snapshot).toMatchObject({ overall: 'ok', incidents: [] });
  });

  it('reports a feed whose every item is in the future as unusable', () => {
    expect(parseFeed(GITHUB_ATOM, '2020-01-01T00:00:00Z')).toMatchObject({
      overall: 'unknown',
      problem: 'all 3 dated items are in the future (clock skew?)',
    });
  });

  it('reads the RSS flavour with its HTML-escaped update timeline', () => {
    const open = STAFFBASE_RSS.replace(
      /&lt;p&gt;&lt;small&gt;Dec &lt;var data-var=&apos;date&apos;&gt;23[\s\S]*?&lt;\/p&gt;/,
      '',
    );
    const snapshot = parseFeed(open, '2021-12-23T12:00:00Z');
    expect(snapshot.incidents).toMatchObject([
      {
        title: 'Blank content',
        phase: 'monitoring',
        url: 'https://status.staffbase.com/incidents/77004ltfxlkv',
        lastMessage: 'We are continuing to monitor for any further issues.',
      },
    ]);
    // RSS has no start date of its own: the oldest update, "Dec 22, 11:12 CET".
    expect(snapshot.incidents[0]?.startedAt).toBe('2021-12-22T10:12:00.000Z');
  });

  it('treats an in-progress maintenance as maintenance and a scheduled one as not started', () => {
    const now = '2026-01-01T12:00:00Z';
    const body = rss([
      {
        title: 'DB work',
        description: '&lt;p&gt;&lt;strong&gt;In progress&lt;/strong&gt; - Working.&lt;/p&gt;',
        date: now,
      },
      {
        title: 'Later work',
        description: '&lt;p&gt;&lt;strong&gt;Scheduled&lt;/strong&gt; - Soon.&lt;/p&gt;',
        date: now,
      },
    ]);
    const snapshot = parseFeed(body, now);
    expect(snapshot.overall).toBe('maintenance');
    expect(snapshot.incidents).toMatchObject([
      { title: 'DB work', phase: 'in_progress', isMaintenance: true },
    ]);
  });

  it('falls back to a label in the title, and counts an unlabelled recent item as open', () => {
    const now = '2026-01-01T12:00:00Z';
    const body = rss([
      { title: '[Resolved] Login errors', date: now },
      { title: 'Investigating: Slow uploads', date: now },
      { title: 'Something odd', date: now },
    ]);
    expect(parseFeed(body, now).incidents.map((i) => [i.title, i.phase])).toEqual([
      ['Investigating: Slow uploads', 'investigating'],
      ['Something odd', 'unknown'],
    ]);
  });

  it('says so when no item carries a readable date', () => {
    const body =
      '<rss><channel><item><title>Investigating</title><pubDate>soon</pubDate></item></channel></rss>';
    expect(parseFeed(body, '2026-01-01T00:00:00Z')).toMatchObject({
      overall: 'unknown',
      problem: 'no item has a readable date (1 items)',
    });
  });

  it('reads an empty feed as all clear', () => {
    expect(parseFeed('<rss><channel><title>T</title></channel></rss>', '2026-01-01T00:00:00Z').overall).toBe(
      'ok',
    );
  });
});

describe('AWS health RSS', () => {
  const parseAws = (body: string, now: string) =>
    awsRssSource.parse(okResponse(body, Date.parse(now), 'text/xml'));

  it('maps the title prefix of the newest item to a severity', () => {
    const now = '2026-01-01T12:00:00Z';
    const cases = [
      ['Service disruption: Broken', 'major_outage'],
      ['Performance issues: Slow', 'partial_outage'],
      ['Informational message: Heads up', 'degraded'],
      ['Informational message: [RESOLVED] Fixed', 'ok'],
      ['Service is operating normally: Fine', 'ok'],
      ['Solar flare: Weird', 'unknown'],
    ] as const;
    for (const [title, overall] of cases) {
      const body = rss([{ title, date: now, guid: 'http://status.aws.amazon.com/#s3-us-east-1_1' }]);
      expect(parseAws(body, now).overall, title).toBe(overall);
    }
  });

  it('judges each service-region of all.rss by its own newest item', () => {
    const body = rss([
      { title: 'Service is operating normally: ok', date: '2026-01-01T11:00:00Z', guid: 'x/#s3-us-east-1_3' },
      { title: 'Service disruption: S3 down', date: '2026-01-01T10:00:00Z', guid: 'x/#s3-us-east-1_2' },
      { title: 'Service disruption: EC2 down', date: '2026-01-01T10:30:00Z', guid: 'x/#ec2-eu-west-1_1' },
    ]);
    const snapshot = parseAws(body, '2026-01-01T12:00:00Z');
    expect(snapshot.overall).toBe('major_outage');
    expect(snapshot.incidents.map((i) => [i.title, i.componentNames])).toEqual([
      ['EC2 down', ['ec2-eu-west-1']],
    ]);
  });

  it('ignores an unresolved item older than the open window', () => {
    // Without its "operating normally" item the event's newest item is an informational message.
    const unresolved = AWS_RSS.replace(/<item>[\s\S]*?<\/item>/, '');
    expect(parseAws(unresolved, '2019-08-23T10:00:00Z').overall).toBe('degraded');
    expect(parseAws(unresolved, '2019-08-25T10:00:00Z')).toMatchObject({ overall: 'ok', incidents: [] });
  });
});
