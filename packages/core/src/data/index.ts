// Public API of the data module (explicit named exports only).
export {};
