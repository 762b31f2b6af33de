/** `/note`s on the status page and in the API: time, author, mark and text, hostile text escaped. */
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteNoteStore } from '../../src/db/sqlite-note-store.js';
import { incidentListSchema, serviceDetailSchema } from '../../src/web/api-schemas.js';
import { type WebHarness, startWebHarness } from './web-harness.js';

const MINUTE = 60_000;
const HOSTILE = '<img src=x onerror=alert(1)> @everyone & "rolled back"';

let web: WebHarness | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
});

describe('incident notes on the web', () => {
  it('are listed with each incident in the API and escaped on the page', async () => {
    web = await startWebHarness();
    const [wa] = web.services.monitors.map((m) => m.id) as [string];
    for (let i = 0; i < 3; i++) {
      web.check(wa, { status: 'down' });
      web.clock.advance(MINUTE);
    }
    const at = web.clock.now();
    const added = new SqliteNoteStore(web.db).addNote({
      serviceId: 'whatsapp',
      at,
      author: { platform: 'telegram', id: '1', name: 'Ana <b>' },
      mark: 'resolved',
      text: HOSTILE,
    });
    expect(added.kind).toBe('added');
    const note = { at: new Date(at).toISOString(), author: 'Ana <b>', mark: 'resolved', text: HOSTILE };

    const detail = serviceDetailSchema.parse(await (await fetch(`${web.url}/api/services/whatsapp`)).json());
    expect(detail.incidents[0]?.notes).toEqual([note]);
    // The operator's "resolved" is their word: the incident is still open.
    expect(detail.incidents[0]?.resolvedAt).toBeNull();
    const list = incidentListSchema.parse(await (await fetch(`${web.url}/api/incidents`)).json());
    expect(list.find((i) => i.serviceId === 'whatsapp')?.notes).toEqual([note]);

    const html = await (await fetch(`${web.url}/services/whatsapp`)).text();
    expect(html).toContain('<span class="author">Ana &lt;b&gt;</span>');
    expect(html).toContain('Note (resolved): &lt;img src=x onerror=alert(1)&gt; @everyone &amp;');
    expect(html).not.toContain('<img src=x');
  });
});
