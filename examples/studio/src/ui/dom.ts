// Tiny DOM helpers (the studio has no framework).
type Attributes = Record<string, string | number | boolean | undefined>;

/** `h('button', { id: 'x' }, 'Go')`: an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** A labelled control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), control, ...(hint ? [h('small', {}, hint)] : []));
}

export function numberInput(id: string, value: number, min: number, max: number, step = 1): HTMLInputElement {
  return h('input', { id, type: 'number', value, min, max, step });
}

export function select(id: string, options: Array<[value: string, label: string]>, value?: string): HTMLSelectElement {
  const element = h('select', { id }, ...options.map(([v, label]) => h('option', { value: v }, label)));
  if (value !== undefined) element.value = value;
  return element;
}

export function setOptions(element: HTMLSelectElement, options: Array<[value: string, label: string]>): void {
  const previous = element.value;
  element.replaceChildren(...options.map(([v, label]) => h('option', { value: v }, label)));
  if (options.some(([v]) => v === previous)) element.value = previous;
}

/** The value of a number input, checked against its min/max; a one-line error otherwise. */
export function readNumber(input: HTMLInputElement, name: string): number {
  const value = Number(input.value);
  const min = Number(input.min);
  const max = Number(input.max);
  if (input.value.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} (${input.value}) must be a number in [${min}, ${max}]`);
  }
  if (Number(input.step) === 1 && !Number.isInteger(value)) throw new Error(`${name} (${input.value}) must be an integer`);
  return value;
}
