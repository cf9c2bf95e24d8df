// Public API of the train module (explicit named exports only).
export {};
