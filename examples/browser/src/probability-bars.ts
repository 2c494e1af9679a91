/** The ten class probabilities of a drawn digit as horizontal bars, the most likely one highlighted. */

/** Fills `container` with one bar per class; records the predicted class in `data-predicted`. */
export function showProbabilities(container: HTMLElement, probabilities: number[]): void {
  let best = 0;
  probabilities.forEach((p, c) => { if (p > probabilities[best]!) best = c; });
  container.replaceChildren(...probabilities.map((p, c) => {
    const row = document.createElement('div');
    row.className = c === best ? 'bar best' : 'bar';
    const label = document.createElement('span');
    label.textContent = String(c);
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.width = `${Math.round(200 * p)}px`; // 200 px for probability 1
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = p.toFixed(3);
    row.append(label, fill, value);
    return row;
  }));
  container.dataset.predicted = String(best);
  container.dataset.probabilities = JSON.stringify(probabilities);
}
