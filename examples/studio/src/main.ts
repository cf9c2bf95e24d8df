// The studio's entry: picks the backend, reads the checkpoint manifest, builds the three tabs.
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from './backend';
import { fetchManifest, type ShippedCheckpoint } from './io/checkpoint-sources';
import { ExploreTab } from './tabs/explore-tab';
import { GenerateTab } from './tabs/generate-tab';
import { TrainTab } from './tabs/train-tab';
import { h } from './ui/dom';
import { Progress } from './ui/progress';

async function main(): Promise<void> {
  const backendLine = document.getElementById('backend')!;
  const progress = new Progress(document.getElementById('progress') as HTMLProgressElement, document.getElementById('progress-text')!);
  const params = new URLSearchParams(location.search);
  const backend = await startBackend(params.get('backend'));
  backendLine.textContent = `backend: ${backend.summary}`;
  backendLine.dataset.backend = backend.name;
  backendLine.classList.toggle('warning', backend.fallback);
  backendLine.title = backend.report.considered.map((c) => `${c.name}: ${c.status} (${c.detail})`).join('\n');

  let manifest: ShippedCheckpoint[] = [];
  try {
    manifest = await fetchManifest();
  } catch (error) {
    progress.error(`checkpoints.json could not be read: ${(error as Error).message}`);
  }

  const generate = new GenerateTab(progress, manifest);
  const explore = new ExploreTab(progress, manifest);
  const train = new TrainTab(progress, (family) => {
    // The run in IndexedDB changed: models loaded from it are stale.
    generate.slot.release();
    explore.slot.release();
    void generate.refreshChoices();
    void explore.refreshChoices();
    void family;
  });
  const tabs = { generate, explore, train } as const;
  const nav = document.getElementById('tabs')!;
  const content = document.getElementById('content')!;
  for (const [name, tab] of Object.entries(tabs)) {
    const button = h('button', { id: `tab-button-${name}`, role: 'tab', 'aria-selected': name === 'generate' }, name[0].toUpperCase() + name.slice(1));
    button.addEventListener('click', () => {
      for (const [other, otherTab] of Object.entries(tabs)) {
        otherTab.element.hidden = other !== name;
        document.getElementById(`tab-button-${other}`)!.setAttribute('aria-selected', String(other === name));
      }
    });
    nav.append(button);
    content.append(tab.element);
  }
  await Promise.all([generate.refreshChoices(), explore.refreshChoices(), train.showSaved()]);
  // For the end-to-end test and the curious: the engine's state, read from the console.
  Object.assign(globalThis, { studio: { backend: backend.name, tf, tabs } });
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  const text = document.getElementById('progress-text');
  if (text) {
    text.textContent = `the studio could not start: ${(error as Error).message}`;
    text.classList.add('error');
  }
  document.body.dataset.ready = 'failed';
  throw error;
});
