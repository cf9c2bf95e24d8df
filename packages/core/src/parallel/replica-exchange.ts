// A blocking all-gather between the replicas of one training step, inside a phase's forward or
// backward pass (cross-replica batch norm exchanges per-channel statistics this way). Built on
// one SharedArrayBuffer that every thread maps, with Atomics.wait / notify as the barrier:
// worker threads and Node's main thread may block, and a tfjs training step is synchronous, so
// a replica cannot await a message halfway through its pass. No Node imports.
import { GenError } from '../errors';

// Int32 header words.
const ARRIVED = 0;
const GENERATION = 1;
/** 0, or 1 + the index of the first replica whose phase threw this step. */
const FAILED = 2;
const PARTICIPANTS = 3;
const HEADER_BYTES = 16;
/** Float64 values per replica per round; longer exchanges take several rounds. */
const DEFAULT_CAPACITY = 4096;

/** A peer stopped (its phase threw): this replica gives up the step instead of waiting. */
export class ReplicaExchangeAbortedError extends GenError {
  constructor(
    readonly replicaIndex: number,
    readonly failedReplica: number,
  ) {
    super(`replica ${replicaIndex}: stopped because replica ${failedReplica} failed in the same step`);
    this.name = 'ReplicaExchangeAbortedError';
  }
}

/**
 * One thread's end of the exchange. Every replica of a step must call {@link allGather} the
 * same number of times, in the same order, with arrays of the same length (each replica runs
 * the same code on its own rows). The coordinator calls {@link reset} before each step.
 */
export class ReplicaExchange {
  private readonly header: Int32Array;
  /** Two banks (by round parity) of `replicas` slots of `1 + capacity` float64 (length, values). */
  private readonly slots: Float64Array;
  private readonly slotSize: number;

  /** The shared memory for `replicas` replicas (allocate once, pass to every thread). */
  static allocate(replicas: number, capacity = DEFAULT_CAPACITY): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_BYTES + 2 * replicas * (1 + capacity) * 8);
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly replicaIndex: number,
    readonly replicas: number,
    /** How long a replica waits for the others at one exchange before it gives up (a peer crashed). */
    readonly timeoutMs = 600_000,
  ) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.slots = new Float64Array(buffer, HEADER_BYTES);
    this.slotSize = this.slots.length / (2 * replicas);
  }

  /** Values per replica in one round. */
  get capacity(): number {
    return this.slotSize - 1;
  }

  /** Coordinator, between steps (no replica inside an exchange): the first `participants` replicas take part in the next step. */
  reset(participants: number): void {
    Atomics.store(this.header, ARRIVED, 0);
    Atomics.store(this.header, FAILED, 0);
    Atomics.store(this.header, PARTICIPANTS, participants);
  }

  /** Index of the first replica that failed this step, or null. */
  failedReplica(): number | null {
    const failed = Atomics.load(this.header, FAILED);
    return failed === 0 ? null : failed - 1;
  }

  /** This replica's phase threw: wakes every replica waiting at an exchange, which then throws too. */
  abort(): void {
    Atomics.compareExchange(this.header, FAILED, 0, this.replicaIndex + 1);
    Atomics.add(this.header, GENERATION, 1);
    Atomics.notify(this.header, GENERATION);
  }

  /**
   * Every participating replica's `values`, in replica order (this one's included). Blocks until
   * all have called it; throws if a peer failed, if the lengths differ, or after `timeoutMs`.
   */
  allGather(values: Float64Array): Float64Array[] {
    const participants = Atomics.load(this.header, PARTICIPANTS);
    const out = Array.from({ length: participants }, () => new Float64Array(values.length));
    // Long arrays in rounds of `capacity` (an empty array still takes one round).
    for (let offset = 0; offset === 0 || offset < values.length; offset += this.capacity) {
      const chunk = values.subarray(offset, offset + this.capacity);
      this.round(chunk, participants, (replica, received) => out[replica].set(received, offset));
    }
    return out;
  }

  private round(values: Float64Array, participants: number, receive: (replica: number, values: Float64Array) => void): void {
    this.throwIfPeerFailed();
    // Round k reads the bank that round k − 1 did not write: a replica can only be one round
    // ahead of a slower one that is still reading, so two banks are enough.
    const generation = Atomics.load(this.header, GENERATION);
    const bank = (generation & 1) * this.replicas;
    const mine = (bank + this.replicaIndex) * this.slotSize;
    this.slots[mine] = values.length;
    this.slots.set(values, mine + 1);
    if (Atomics.add(this.header, ARRIVED, 1) === participants - 1) {
      Atomics.store(this.header, ARRIVED, 0);
      Atomics.add(this.header, GENERATION, 1);
      Atomics.notify(this.header, GENERATION);
    } else {
      const deadline = Date.now() + this.timeoutMs;
      while (Atomics.load(this.header, GENERATION) === generation) {
        this.throwIfPeerFailed();
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new GenError(
            `replica ${this.replicaIndex}: waited ${this.timeoutMs / 1000} s for the other replicas at a cross-replica exchange (a replica stopped, or the replicas ran different exchanges)`,
          );
        }
        Atomics.wait(this.header, GENERATION, generation, left);
      }
    }
    this.throwIfPeerFailed();
    for (let replica = 0; replica < participants; replica++) {
      const slot = (bank + replica) * this.slotSize;
      const length = this.slots[slot];
      if (length !== values.length) {
        throw new GenError(`replica ${this.replicaIndex}: replica ${replica} exchanged ${length} values where this replica exchanged ${values.length} (the replicas ran different exchanges)`);
      }
      receive(replica, this.slots.subarray(slot + 1, slot + 1 + length));
    }
  }

  private throwIfPeerFailed(): void {
    const failed = this.failedReplica();
    if (failed !== null) throw new ReplicaExchangeAbortedError(this.replicaIndex, failed);
  }
}
