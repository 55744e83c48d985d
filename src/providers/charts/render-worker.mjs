// Renders a Vega-Lite spec to PNG in a worker thread: vega and vega-lite are ES modules (with
// top-level await) that the CommonJS build cannot require, and drawing a chart is CPU work that
// should not hold up the answers on the main thread. Vega draws SVG without a canvas; resvg (a
// Rust renderer shipped inside its npm package) turns the SVG into PNG. No browser anywhere.
import { parentPort } from 'node:worker_threads';
import * as vegaLite from 'vega-lite';
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';

parentPort.on('message', async ({ id, spec }) => {
  try {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    const rendered = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
    // resvg's Buffer lives in native memory, which Node 24 refuses to transfer: copy it into an
    // ArrayBuffer of our own and hand that over.
    const png = new Uint8Array(rendered);
    parentPort.postMessage({ id, png }, [png.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
