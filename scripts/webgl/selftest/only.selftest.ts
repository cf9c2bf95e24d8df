// Fixture for `--selftest`: `.only` narrows a file, as in jest.
import { describeWithBackends } from '@gen/core/testing';

describeWithBackends('focused', () => {
  it.only('runs the focused test', () => {
    expect(typeof describeWithBackends).toBe('function');
  });
  it('must not run (not focused)', () => {
    throw new Error('.only ignored');
  });
});
