// Browser half of t0600-report.sh: loads one report in headless Chromium
// through playwright-core and prints TAP lines.
//
//   node t0600-report.js PLAYWRIGHT_DIR CHROMIUM EXPECT.json
//
// EXPECT.json: { html, screenshot, userdata, cells, occupied, click: {id,
// source}, hostile: bool, hostile_id }
'use strict';
const fs = require('fs');
const [, , pwdir, chromiumPath, expectPath] = process.argv;
const { chromium } = require(pwdir);
const ex = JSON.parse(fs.readFileSync(expectPath, 'utf8'));

let failed = 0;
function ok(cond, name) {
	console.log((cond ? 'ok - ' : 'not ok - ') + name);
	if (!cond) failed++;
}

(async () => {
	const ctx = await chromium.launchPersistentContext(ex.userdata, {
		executablePath: chromiumPath,
		headless: true,
		chromiumSandbox: false,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1400, height: 1000 },
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	const errors = [];
	const requests = [];
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
	page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });
	const tag = ex.hostile ? 'hostile archive: ' : 'campaign: ';

	await page.goto('file://' + ex.html, { waitUntil: 'load' });
	await page.waitForTimeout(300);

	const counts = await page.evaluate(() => ({
		cells: document.querySelectorAll('svg.heat rect.c, svg.heat rect.e').length,
		occupied: document.querySelectorAll('svg.heat rect.c').length,
		islands: document.querySelectorAll('svg.heat').length,
		sections: ['summary', 'map', 'curves', 'attempts', 'front', 'lineage', 'top']
			.filter((id) => document.getElementById(id)).length,
		plots: document.querySelectorAll('#curves svg polyline.line').length,
	}));
	ok(counts.cells === ex.cells, `${tag}the heatmaps have ${ex.cells} cells (got ${counts.cells})`);
	ok(counts.occupied === ex.occupied, `${tag}${ex.occupied} of them hold an elite (got ${counts.occupied})`);
	ok(counts.sections === 7, `${tag}every section is there (${counts.sections} of 7)`);
	ok(counts.plots === 3, `${tag}best score, coverage and QD-score are plotted (${counts.plots} of 3)`);

	// Click the cell of a known elite: its code appears in the panel.
	const cell = page.locator(`svg.heat rect.c[data-p="${ex.click.id}"]`).first();
	ok(await cell.count() === 1, `${tag}program ${ex.click.id} has a cell on the map`);
	await cell.click();
	const panel = page.locator(`#p-${ex.click.id}`);
	ok(await panel.isVisible(), `${tag}clicking its cell shows program ${ex.click.id}`);
	const src = await panel.locator('pre.src').textContent();
	ok(src === ex.click.source, `${tag}the panel shows that elite's code, as stored`);
	const score = await panel.locator('td.score').textContent();
	ok(score.startsWith(ex.click.score), `${tag}and its score (${score})`);
	ok(await panel.locator('td.desc').count() === 1, `${tag}and its descriptors`);
	const others = await page.evaluate(() =>
		[...document.querySelectorAll('.prog')].filter((p) => !p.hidden).length);
	ok(others === 1, `${tag}one program shown at a time (${others})`);

	// The front's descriptor selector switches plots.
	const nfront = await page.locator('.front').count();
	if (nfront > 1) {
		await page.selectOption('#front-dim', '1');
		const vis = await page.evaluate(() =>
			[...document.querySelectorAll('.front')].filter((f) => !f.hidden).map((f) => f.dataset.d));
		ok(vis.length === 1 && vis[0] === '1', `${tag}the front follows the chosen descriptor`);
	}

	if (ex.hostile) {
		const h = await page.evaluate((id) => {
			const p = document.getElementById('p-' + id);
			return {
				pwned: typeof window.__pwned,
				images: document.images.length,
				scripts: document.scripts.length,
				text: p ? p.querySelector('pre.src').textContent : '',
				title: document.title,
				bad: document.querySelectorAll('main img, aside img, main svg[onload], [onerror]').length,
			};
		}, ex.hostile_id);
		ok(h.pwned === 'undefined', 'hostile archive: no script from the archive ran');
		ok(h.images === 0 && h.bad === 0, 'hostile archive: no element from the archive was created');
		ok(h.scripts === 1, `hostile archive: the page's own script only (${h.scripts})`);
		ok(h.text.includes('</script><script>window.__pwned=1</script>'),
			'hostile archive: a closing script tag in a source is shown as text');
		ok(h.text.includes('<img src=x onerror="window.__pwned=2">'),
			'hostile archive: an img with onerror is shown as text');
		ok(h.text.includes('\ufffd'), 'hostile archive: invalid UTF-8 is shown as U+FFFD');
		ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(h.text),
			'hostile archive: no control character reaches the page');
		ok(h.title.includes('</title><script>'), 'hostile archive: the title is text too');
	}
	ok(requests.length === 0, `${tag}no network request (${requests.join(' ')})`);
	ok(errors.length === 0, `${tag}no console errors (${errors.join(' | ')})`);

	await page.screenshot({ path: ex.screenshot, fullPage: true });
	ok(fs.statSync(ex.screenshot).size > 10000, `${tag}screenshot saved as ${ex.screenshot}`);
	await ctx.close();
	process.exit(failed ? 1 : 0);
})().catch((e) => {
	console.log('not ok - browser session failed: ' + String(e).split('\n')[0]);
	process.exit(1);
});
