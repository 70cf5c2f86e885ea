// A mocha root hook plugin (.mocharc.json "require"): once every test has run, the
// directories test/temp-dirs.ts made are removed.
import { removeTempDirs } from './temp-dirs';

export const mochaHooks = {
  afterAll(): void {
    removeTempDirs();
  },
};
