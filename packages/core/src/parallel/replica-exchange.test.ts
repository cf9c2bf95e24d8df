import { ReplicaExchange } from './replica-exchange';

// One thread: the exchange's bookkeeping (the threaded paths run in cross-replica-batch-norm.test.ts).
describe('ReplicaExchange', () => {
  it('gathers arrays longer than a round in several rounds', () => {
    const exchange = new ReplicaExchange(ReplicaExchange.allocate(2, 4), 0, 2);
    exchange.reset(1);
    const values = Float64Array.from({ length: 11 }, (_, i) => i * 0.5);
    expect(exchange.allGather(values).map((v) => Array.from(v))).toEqual([Array.from(values)]);
    expect(exchange.allGather(new Float64Array(0)).map((v) => v.length)).toEqual([0]);
  });

  it('throws, one line, once a replica failed, until the next reset', () => {
    const buffer = ReplicaExchange.allocate(2);
    const main = new ReplicaExchange(buffer, 0, 2);
    const worker = new ReplicaExchange(buffer, 1, 2);
    main.reset(2);
    worker.abort();
    expect(main.failedReplica()).toBe(1);
    expect(() => main.allGather(new Float64Array(3))).toThrow(/^replica 0: stopped because replica 1 failed in the same step$/);
    main.reset(1);
    expect(main.failedReplica()).toBeNull();
    expect(main.allGather(Float64Array.of(1, 2))).toEqual([Float64Array.of(1, 2)]);
  });

  it('gives up after timeoutMs when a replica never comes (one line)', () => {
    const exchange = new ReplicaExchange(ReplicaExchange.allocate(2), 0, 2, 50);
    exchange.reset(2);
    expect(() => exchange.allGather(new Float64Array(2))).toThrow(
      /^replica 0: waited 0\.05 s for the other replicas at a cross-replica exchange \(a replica stopped, or the replicas ran different exchanges\)$/,
    );
  });
});
