// Public API of the schedules module (explicit named exports only).
export {};
