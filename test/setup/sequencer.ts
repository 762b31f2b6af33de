import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Long files first, so that three workers end together. Vitest orders by the durations of its
 * previous run when it has them, and otherwise by file size: on a fresh clone (CI) the slowest
 * end-to-end files, some of them a few lines calling a shared scenario, started last and the run
 * ended with one worker busy for a minute and a half. Here a file's weight is its duration in the
 * previous run when vitest kept one, else its duration in `test/setup/durations.json` (measured,
 * refreshed with `npm run test:durations`), else nothing; heavier first, then larger first.
 */
const recorded: Readonly<Record<string, number>> = JSON.parse(
  readFileSync(new URL('./durations.json', import.meta.url), 'utf8'),
) as Record<string, number>;

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const cache = this.ctx.cache;
    const weight = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      return cache.getFileTestResults(`${spec.project.name}:${path}`)?.duration ?? recorded[path] ?? 0;
    };
    const size = (spec: TestSpecification): number =>
      cache.getFileStats(`${spec.project.name}:${relative(root, spec.moduleId)}`)?.size ?? 0;
    return [...files].sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        weight(b) - weight(a) ||
        size(b) - size(a),
    );
  }
}
