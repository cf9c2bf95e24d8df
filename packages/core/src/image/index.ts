// Public API of the image module (explicit named exports only).
export {};
