// Rates from cumulative counters sampled at irregular times (events and answers race: two samples
// can arrive a millisecond apart, and a counter's last step divided by that millisecond made a
// 100,000 points/s spike). A rate is taken over at least `minWindow` seconds.

/** ratePoints([{t, value}, ...], minWindow) → [[t, rate per second], ...] (t in seconds) */
export function ratePoints(samples, minWindow = 1) {
  const out = [];
  let base = 0; // index of the sample the current rate is measured from
  for (let i = 1; i < samples.length; i++) {
    while (base + 1 < i && samples[i].t - samples[base + 1].t >= minWindow) base++;
    const span = samples[i].t - samples[base].t;
    if (span < minWindow) continue; // too close to say; the next sample will
    out.push([samples[i].t, Math.max(0, (samples[i].value - samples[base].value) / span)]);
  }
  return out;
}
