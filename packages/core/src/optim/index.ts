// Public API of the optim module (explicit named exports only).
export {};
