// Embeds, end to end in headless Chromium: the example host page
// (static/embed-example.html) with two embeds, one driven from the
// prose's buttons through postMessage and answering with events; messages
// from an origin the embed was not told to trust are ignored; a read-only
// embed takes no faults from its reader; the Embed button writes a
// snippet that opens as an embed. Screenshots go to
// tests/e2e/screenshots/embed-*.png.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoProblems, screenshot, servePlayground, startServer, watchPage } from './harness.mjs';

/** The events the host page has received from the embed `id` so far. */
async function eventsOf(page, id) {
  return page.evaluate((id) => window.faultlineEvents.filter((e) => e.id === id), id);
}

async function waitForEvent(page, id, type, predicate = '() => true') {
  await page.waitForFunction(
    ([id, type, predicate]) =>
      window.faultlineEvents.some((e) => e.id === id && e.type === type && new Function('return ' + predicate)()(e)),
    [id, type, predicate],
    { timeout: 30_000 },
  );
}

/** The embed's own state, read inside its frame. */
async function embedState(page, id) {
  return page.frameLocator(`#${id}`).locator('body').evaluate(() => window.wasmBindings.playgroundState());
}

async function openExample(browser, server, width) {
  const context = await browser.newContext({ viewport: { width, height: 1000 } });
  const page = await context.newPage();
  const problems = watchPage(page, server.url);
  await page.goto(`${server.url}static/embed-example.html`);
  await waitForEvent(page, 'raft', 'loaded');
  await waitForEvent(page, 'tpc', 'loaded');
  return { context, page, problems };
}

describe('embeds', () => {
  const session = servePlayground();

  test('the example host page drives one embed through postMessage and hears its events', async () => {
    const { context, page, problems } = await openExample(session.browser, session.server, 1440);
    const loaded = (await eventsOf(page, 'raft')).find((e) => e.type === 'loaded');
    assert.equal(loaded.source, 'faultline');
    assert.equal(loaded.protocol, 'raft');
    assert.equal(loaded.nodes, 5);
    // Each embed says how tall it is, and the host fits its frame to it.
    await waitForEvent(page, 'raft', 'resize', '(e) => e.height > 300');
    const reported = (await eventsOf(page, 'raft')).filter((e) => e.type === 'resize').at(-1).height;
    // (The frame's inner height: its border is the host's.)
    await page.waitForFunction((reported) => Math.abs(document.getElementById('raft').clientHeight - reported) <= 2, reported);

    // Without autoplay, the first embed waits; the second (autoplay) plays.
    assert.equal((await embedState(page, 'raft')).playing, false);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await waitForEvent(page, 'raft', 'position', '(e) => e.playing && e.tick > 50');
    await page.getByRole('button', { name: 'pause', exact: true }).click();
    await waitForEvent(page, 'raft', 'position', '(e) => !e.playing');

    await page.getByRole('button', { name: 'jump to tick 600' }).click();
    await waitForEvent(page, 'raft', 'position', '(e) => e.tick === 600');
    await page.getByRole('button', { name: 'crash node n0' }).click();
    await page.waitForFunction(() => true);
    const afterCrash = await embedState(page, 'raft');
    assert.deepEqual(
      afterCrash.scenario.actions.map((a) => [a.action, a.node]),
      [['crash', 0]],
      'the host crashed n0, recorded in the embed like a reader’s crash',
    );
    assert.equal(afterCrash.nodes[0].status, 'crashed');
    // The history's verdict reaches the host.
    await waitForEvent(page, 'raft', 'verdict', '(e) => e.verdict === "linearizable"');
    // A command for a node that does not exist comes back as an error event.
    await page.evaluate(() => document.getElementById('raft').contentWindow.postMessage({ type: 'crash', node: 9 }, location.origin));
    await waitForEvent(page, 'raft', 'error', '(e) => /no n9/.test(e.message)');
    await page.evaluate(() => document.getElementById('raft').contentWindow.postMessage({ type: 'explode' }, location.origin));
    await waitForEvent(page, 'raft', 'error', '(e) => /no command called `explode`/.test(e.message)');

    // The second embed ran on its own: no action reached it.
    const tpc = await embedState(page, 'tpc');
    assert.equal(tpc.scenario.protocol.name, 'two-phase-commit');
    assert.equal(tpc.scenario.actions.length, 0);
    assert.ok((await eventsOf(page, 'tpc')).some((e) => e.type === 'position' && e.playing), 'the second embed autoplays');
    // Loading another scenario into it, from the prose.
    await page.getByRole('button', { name: 'load the coordinator crash' }).click();
    await waitForEvent(page, 'tpc', 'loaded', '(e) => /coordinator/i.test(e.name)');
    // Its frame follows its content, shrinking too.
    await page.waitForFunction(() => {
      const heights = window.faultlineEvents.filter((e) => e.id === 'tpc' && e.type === 'resize');
      return Math.abs(document.getElementById('tpc').clientHeight - heights.at(-1).height) <= 2;
    });
    await page.getByRole('button', { name: 'restart n0' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'embed-1-host-1440');
    await page.setViewportSize({ width: 360, height: 800 });
    await waitForEvent(page, 'raft', 'resize', '(e) => e.height > 0');
    await page.waitForTimeout(300);
    await screenshot(page, 'embed-2-host-360');
    assertNoProblems(problems);
    await context.close();
  });

  test('a read-only embed takes no faults from its reader, only from its host', async () => {
    const { context, page, problems } = await openExample(session.browser, session.server, 1280);
    const frame = page.frameLocator('#tpc');
    await frame.locator('#cluster [data-node="1"]').click();
    assert.equal(await frame.locator('#stage-menu button').count(), 0, 'no menu of faults opens');
    await frame.locator('#cluster').press('c');
    await frame.locator('#notice').filter({ hasText: 'read-only' }).waitFor();
    assert.equal((await embedState(page, 'tpc')).scenario.actions.length, 0);
    assert.equal(await frame.locator('#heal').isVisible(), false);
    assert.equal(await frame.locator('#play').isVisible(), true, 'the reader still plays and pauses');
    await page.evaluate(() => document.getElementById('tpc').contentWindow.postMessage({ type: 'crash', node: 1 }, location.origin));
    await page.waitForFunction(() => true);
    await frame.locator('body').evaluate(() =>
      new Promise((ok) => {
        const poll = () => (window.wasmBindings.playgroundState().scenario.actions.length === 1 ? ok() : setTimeout(poll, 50));
        poll();
      }),
    );
    assertNoProblems(problems);
    await context.close();
  });

  test('messages from an origin the embed does not trust are ignored, until it is told to trust it', async () => {
    // A host on another origin (another port): the embed trusts only its
    // own origin unless `origin=` names the host.
    const dir = await mkdtemp(join(tmpdir(), 'faultline-host-'));
    const embedUrl = `${session.server.url}index.html#embed&b=raft&id=x&panels=stage`;
    const host = (src) => `<!doctype html><meta charset="utf-8"><iframe id="x" src="${src}" style="width:900px;height:600px"></iframe>
      <script>window.got = []; addEventListener('message', (e) => { if (e.data?.source === 'faultline') window.got.push(e.data); });</script>`;
    await writeFile(join(dir, 'untrusted.html'), host(embedUrl));
    const other = await startServer(dir);
    await writeFile(join(dir, 'trusted.html'), host(`${embedUrl}&origin=${encodeURIComponent(other.url.slice(0, -1))}`));
    const context = await session.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${other.url}untrusted.html`);
      const embed = page.frame({ url: /index\.html/ });
      await embed.waitForFunction(() => window.wasmBindings?.playgroundState()?.nodes.length === 5, null, { timeout: 20_000 });
      await page.evaluate(() => document.getElementById('x').contentWindow.postMessage({ type: 'crash', node: 0 }, '*'));
      await page.waitForTimeout(500);
      assert.equal((await embed.evaluate(() => window.wasmBindings.playgroundState())).scenario.actions.length, 0);
      assert.deepEqual(await page.evaluate(() => window.got), [], 'events go only to a trusted origin');

      await page.goto(`${other.url}trusted.html`);
      await page.waitForFunction(() => window.got.some((e) => e.type === 'loaded'), null, { timeout: 20_000 });
      await page.evaluate(() => document.getElementById('x').contentWindow.postMessage({ type: 'crash', node: 0 }, '*'));
      const trusted = page.frame({ url: /index\.html/ });
      await trusted.waitForFunction(() => window.wasmBindings.playgroundState().scenario.actions.length === 1);
    } finally {
      await context.close();
      await other.close();
      await rm(dir, { recursive: true });
    }
  });

  test('an exercise in an embed, solved through the host, tells the host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-host-'));
    const other = await startServer(dir);
    const origin = encodeURIComponent(other.url.slice(0, -1));
    await writeFile(
      join(dir, 'exercise.html'),
      `<!doctype html><meta charset="utf-8"><iframe id="x" src="${session.server.url}index.html#embed&ex=2pc-block&id=x&origin=${origin}" style="width:900px;height:700px"></iframe>
      <script>window.got = []; addEventListener('message', (e) => { if (e.data?.source === 'faultline') window.got.push(e.data); });
      window.send = (command) => document.getElementById('x').contentWindow.postMessage(command, '${session.server.url.slice(0, -1)}');</script>`,
    );
    const context = await session.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${other.url}exercise.html`);
      await page.waitForFunction(() => window.got.some((e) => e.type === 'loaded' && /block two-phase commit/i.test(e.name)), null, { timeout: 20_000 });
      assert.equal((await page.evaluate(() => window.got.filter((e) => e.type === 'loaded'))).length, 1, 'one loaded: the exercise');
      await page.evaluate(() => {
        window.send({ type: 'seek', tick: 54 });
        window.send({ type: 'crash', node: 0 });
        window.send({ type: 'play' });
      });
      await page.waitForFunction(() => window.got.some((e) => e.type === 'solved'), null, { timeout: 30_000 });
      const solved = await page.evaluate(() => window.got.find((e) => e.type === 'solved'));
      assert.equal(solved.exercise, '2pc-block');
    } finally {
      await context.close();
      await other.close();
      await rm(dir, { recursive: true });
    }
  });

  test('the Embed button writes a snippet that opens as an embed', async () => {
    const context = await session.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watchPage(page, session.server.url);
    await page.goto(session.server.url);
    await page.locator('#cluster [data-node="0"]').waitFor({ state: 'attached', timeout: 20_000 });
    await page.locator('#embed').click();
    await page.locator('#embed-dialog [data-panel="diagram"]').uncheck();
    await page.locator('#embed-read-only').check();
    await page.locator('#embed-caption-text').fill('Figure 1: an election');
    const snippet = await page.locator('#embed-snippet').inputValue();
    assert.match(snippet, /^<iframe src="[^"]*#embed&amp;s=1\./);
    assert.match(snippet, /panels=stage,history,inspector,controls/);
    assert.match(snippet, /mode=read-only/);
    assert.match(snippet, /caption=Figure%201%3A%20an%20election/);
    await screenshot(page, 'embed-3-dialog');
    const src = /src="([^"]*)"/.exec(snippet)[1].replaceAll('&amp;', '&');
    const embedded = await context.newPage();
    await embedded.goto(src);
    await embedded.locator('#embed-caption').filter({ hasText: 'Figure 1: an election' }).waitFor();
    assert.equal(await embedded.locator('#diagram-panel').isVisible(), false);
    assert.equal(await embedded.locator('header').isVisible(), false);
    assert.equal(await embedded.locator('html').getAttribute('data-read-only'), '');
    assertNoProblems(problems);
    await context.close();
  });
});
