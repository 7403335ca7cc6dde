/** Viseme weights at a moment of a sentence's audio: a pure function of the audio clock. */

/** The 15 Oculus visemes, as morph target names. */
export const VISEMES = /** @type {const} */ ([
  'viseme_sil', 'viseme_PP', 'viseme_FF', 'viseme_TH', 'viseme_DD', 'viseme_kk', 'viseme_CH', 'viseme_SS',
  'viseme_nn', 'viseme_RR', 'viseme_aa', 'viseme_E', 'viseme_I', 'viseme_O', 'viseme_U',
]);

/** @typedef {{viseme: string, startMs: number, endMs: number}} Viseme */

/** Half the width of the cross-fade between neighbouring visemes (coarticulation), in ms. */
const BLEND_MS = 40;

/** @param {number} x */
const smoothstep = (x) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

/**
 * Weight of each viseme `ms` milliseconds into the audio. Each viseme fades in across its start
 * and out across its end, symmetric around the boundary, so that at any boundary the outgoing
 * and incoming weights cross exactly at the scheduled time and nothing jumps from frame to frame.
 * Silence (`viseme_sil`) is the mouth at rest: it has no weight of its own.
 * @param {readonly Viseme[]} visemes sorted by start, relative to the audio's start
 * @param {number} ms
 * @returns {Map<string, number>}
 */
export function visemeWeights(visemes, ms) {
  /** @type {Map<string, number>} */
  const weights = new Map();
  for (const { viseme, startMs, endMs } of visemes) {
    if (startMs - BLEND_MS > ms) break;
    if (endMs + BLEND_MS < ms || viseme === 'viseme_sil') continue;
    const half = Math.min(BLEND_MS, (endMs - startMs) / 2) || 1;
    const fadeIn = smoothstep((ms - (startMs - half)) / (2 * half));
    const fadeOut = 1 - smoothstep((ms - (endMs - half)) / (2 * half));
    const weight = Math.min(fadeIn, fadeOut);
    if (weight > 0) weights.set(viseme, Math.max(weights.get(viseme) ?? 0, weight));
  }
  return weights;
}
