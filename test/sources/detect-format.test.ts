import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/sources/detect-format.js';
import { parseStatusResponse } from '../../src/sources/parse-status.js';
import { kindForFixture, listStatusFixtures, okResponse, readStatusFixture } from './status-fixtures.js';

describe('detectFormat', () => {
  it.each(listStatusFixtures().filter((f) => kindForFixture(f) !== undefined))(
    'recognises %s as the parser its folder names',
    (fixture) => {
      expect(detectFormat(readStatusFixture(fixture), undefined)).toEqual({ kind: kindForFixture(fixture) });
    },
  );

  it.each([
    ['[{"id":"a","begin":"2021-07-27T17:35:27+00:00","service_name":"GCS"}]', 'google'],
    ['[{"id":"a","begin":"2021-07-27T17:35:27+00:00","affected_products":[]}]', 'google'],
    ['{"status":"ok","active_incidents":[],"date_updated":"2018-09-07T18:34:15-07:00"}', 'slack'],
    ['{"page_title":"x","ongoing_incidents":[]}', 'incidentio'],
    ['{"status":{"indicator":"none"}}', 'statuspage'],
    ['\uFEFF{"page":{"id":"a"},"components":[]}', 'statuspage'],
    ['<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', 'feed'],
    ['<rss><channel><link>http://status.aws.amazon.com/</link></channel></rss>', 'aws-rss'],
  ])('%s → %s', (body, kind) => {
    expect(detectFormat(body, 'application/json')).toEqual({ kind });
  });

  it.each([
    ['', /empty body/],
    ['<!DOCTYPE html><html></html>', /HTML page/],
    ['<html><body>oops</body></html>', /HTML page/],
    ['<?xml version="1.0"?><svg></svg>', /neither RSS nor Atom/],
    ['{"a":', /not JSON, RSS or Atom \(text\/plain\)/],
    ['"just a string"', /not an object/],
    ['{"hello":"world"}', /no known status format/],
  ])('refuses %j with the reason', (body, problem) => {
    const detected = detectFormat(body, 'text/plain; charset=utf-8');
    expect(detected.kind).toBeNull();
    expect(detected.kind === null ? detected.problem : '').toMatch(problem);
  });
});

describe('auto-detection needs the real shape of a format', () => {
  const NOW = Date.parse('2026-10-09T12:00:00Z');
  const auto = (body: string) => parseStatusResponse(okResponse(body, NOW), 'auto');

  it.each([
    ['{"status":"ok"}', /"status": "ok" but no status feed shape \(a health endpoint\?\)/],
    ['{"status":"active"}', /"status": "active" but no status feed shape/],
    ['{"status":"ok","active_incidents":[]}', /"status": "ok" but no status feed shape/],
    ['{"status":"UP","components":{"db":{"status":"UP"}}}', /"status": "UP" but no status feed shape/],
    ['[]', /empty JSON array.*set format: google/],
    ['[1,2,3]', /JSON array that is not Google incidents/],
    ['[{"id":"x","name":"thing"}]', /JSON array that is not Google incidents/],
    ['{"page":{"id":"a"}}', /no known status format/],
  ])('%s is unknown, never up, and says why', (body, problem) => {
    const snapshot = auto(body);
    expect(snapshot.overall).toBe('unknown');
    expect(snapshot.problem).toMatch(problem);
    expect(detectFormat(body, 'application/json').kind).toBeNull();
  });

  it('still parses those bodies when the format is named explicitly', () => {
    expect(parseStatusResponse(okResponse('[]', NOW), 'google')).toMatchObject({
      source: 'google',
      overall: 'ok',
    });
    expect(parseStatusResponse(okResponse('{"status":"ok"}', NOW), 'slack')).toMatchObject({
      source: 'slack',
      overall: 'ok',
    });
  });

  it("recognises Slack's and Google's real payloads", () => {
    expect(auto(readStatusFixture('slack/current_ok_docs_example.json'))).toMatchObject({
      source: 'slack',
      overall: 'ok',
    });
    expect(auto(readStatusFixture('gcp/incidents_gcs_2021-07-27.json'))).toMatchObject({
      source: 'google',
      overall: 'partial_outage',
    });
  });
});
