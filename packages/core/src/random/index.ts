// Public API of the random module (explicit named exports only).
export {};
