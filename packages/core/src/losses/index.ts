// Public API of the losses module (explicit named exports only).
export {};
