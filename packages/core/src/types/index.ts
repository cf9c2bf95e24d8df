export type { NamedTensors, Stateful, JsonValue } from './stateful';
