import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseStatusResponse } from '../../src/sources/parse-status.js';
import { STATUS_SOURCES } from '../../src/sources/registry.js';
import { kindForFixture, listStatusFixtures, okResponse, readStatusFixture } from './status-fixtures.js';

const NOW = Date.parse('2026-10-09T12:00:00Z');
const JSON_FIXTURES = listStatusFixtures().filter((f) => f.endsWith('.json') && kindForFixture(f));

afterEach(() => vi.restoreAllMocks());

describe('a JSON body is parsed once', () => {
  it.each(JSON_FIXTURES)('%s: one JSON.parse for detection and parser together', (file) => {
    const input = okResponse(readStatusFixture(file), NOW);
    const expected = parseStatusResponse(input, kindForFixture(file) ?? 'statuspage');
    const parseSpy = vi.spyOn(JSON, 'parse');
    const snapshot = parseStatusResponse(input, 'auto');
    expect(parseSpy).toHaveBeenCalledTimes(1);
    expect(snapshot).toEqual(expected);
  });

  it('hands the detected value itself to the parser, not the text', () => {
    const [file] = JSON_FIXTURES;
    const input = okResponse(readStatusFixture(file ?? ''), NOW);
    const source = STATUS_SOURCES.find((s) => s.kind === kindForFixture(file ?? ''));
    const parseJson = vi.spyOn(source!, 'parseJson');
    const parse = vi.spyOn(source!, 'parse');
    const parsed = vi.spyOn(JSON, 'parse');
    parseStatusResponse(input, 'auto');
    expect(parse).not.toHaveBeenCalled();
    expect(parseJson).toHaveBeenCalledTimes(1);
    expect(parseJson.mock.calls[0]?.[0]).toBe(parsed.mock.results[0]?.value);
  });

  it('every JSON source can take a parsed value', () => {
    const jsonKinds = ['statuspage', 'incidentio', 'slack', 'google'];
    for (const source of STATUS_SOURCES.filter((s) => jsonKinds.includes(s.kind))) {
      expect(source.parseJson).toBeTypeOf('function');
    }
  });

  it('parses an XML feed without JSON.parse and reads it once', () => {
    const input = okResponse(readStatusFixture('statuspage/github_history_2025-10-21.atom'), NOW);
    const feed = STATUS_SOURCES.find((s) => s.kind === 'feed');
    const parse = vi.spyOn(feed!, 'parse');
    const jsonParse = vi.spyOn(JSON, 'parse');
    parseStatusResponse(input, 'auto');
    expect(jsonParse).not.toHaveBeenCalled();
    expect(parse).toHaveBeenCalledTimes(1);
  });
});
