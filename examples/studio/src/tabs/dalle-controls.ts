// The Generate tab's DALL·E controls: how image tokens are drawn (temperature, top-k, top-p, as
// `gen sample dalle` exposes them) and CLIP re-ranking (images × candidates drawn, the CLIP-best kept).
import type { DalleChoice } from '../io/checkpoint-sources';
import type { TokenSampling } from '../models/family';
import { field, numberInput, readNumber } from '../ui/dom';

const CANDIDATES_HINT = 'draws images × candidates, keeps the CLIP-best; 1 = no re-ranking';

export class DalleControls {
  private readonly temperature = numberInput('gen-temperature', 1, 0, 10, 0.05);
  private readonly topK = numberInput('gen-top-k', 0, 0, 1_000_000);
  private readonly topP = numberInput('gen-top-p', 1, 0.01, 1, 0.05);
  private readonly candidates = numberInput('gen-candidates', 1, 1, 16);
  private readonly candidatesField = field('candidates', this.candidates, CANDIDATES_HINT);
  readonly fields: HTMLLabelElement[] = [
    field('temperature', this.temperature, '0 = greedy'),
    field('top-k', this.topK, '0 = all tokens'),
    field('top-p', this.topP, 'nucleus mass, 1 = off'),
    this.candidatesField,
  ];

  show(visible: boolean): void {
    for (const f of this.fields) f.hidden = !visible;
  }

  /** A newly picked checkpoint: re-ranking only where it has a CLIP (candidates back to 1 otherwise). */
  applyDefaults(choice: DalleChoice | undefined): void {
    const rerankable = choice?.clip != null;
    this.candidates.disabled = !rerankable;
    if (!rerankable) this.candidates.value = '1';
    this.candidatesField.querySelector('small')!.textContent = rerankable ? CANDIDATES_HINT : 'no CLIP shipped with this checkpoint: no re-ranking';
  }

  /** The controls' values, checked (one-line errors). */
  read(): TokenSampling {
    return {
      temperature: readNumber(this.temperature, 'temperature'),
      topK: readNumber(this.topK, 'top-k'),
      topP: readNumber(this.topP, 'top-p'),
      candidates: readNumber(this.candidates, 'candidates'),
    };
  }
}
