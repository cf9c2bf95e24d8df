// Public API of the nn module (explicit named exports only).
export {};
