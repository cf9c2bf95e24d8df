// Public API of the metrics module (explicit named exports only).
export {};
