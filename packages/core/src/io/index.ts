// Public API of the io module (explicit named exports only).
export {};
