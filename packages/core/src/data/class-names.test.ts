import { classNamesFor, DATASET_NAMES } from './class-names';

describe('classNamesFor', () => {
  it('names the ten classes of each dataset', () => {
    expect(classNamesFor('mnist')).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(classNamesFor('fashion')).toHaveLength(10);
    expect(classNamesFor('fashion')[0]).toBe('T-shirt/top');
    expect(classNamesFor('fashion')[9]).toBe('Ankle boot');
    expect(DATASET_NAMES).toEqual(['mnist', 'fashion']);
  });

  it('returns a fresh array each call', () => {
    classNamesFor('mnist').pop();
    expect(classNamesFor('mnist')).toHaveLength(10);
  });

  it('rejects unknown names in one line', () => {
    expect(() => classNamesFor('cifar' as never)).toThrow(`name ("cifar") is not a known dataset; use 'mnist' or 'fashion'`);
  });
});
